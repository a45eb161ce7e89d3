using System.Collections;
using System.Reflection;

namespace Bulwark.Generators.Tests;

/// <summary>
/// Deep equality for round-trip checks: records holding arrays or lists compare those by reference, which says nothing
/// about whether the values survived a batch.
/// </summary>
public static class Structural
{
    public static void Equal(object? expected, object? actual, string path = "value")
    {
        if (expected is null || actual is null)
        {
            Assert.True(expected is null && actual is null, $"{path}: expected {Show(expected)}, got {Show(actual)}");
            return;
        }

        var type = expected.GetType();
        if (expected is string || type.IsPrimitive || type.IsEnum || expected is decimal or DateTime or DateTimeOffset or DateOnly or TimeOnly or TimeSpan or Guid)
        {
            Assert.True(expected.Equals(actual), $"{path}: expected {Show(expected)}, got {Show(actual)}");
            return;
        }

        if (expected is IEnumerable left && actual is IEnumerable right)
        {
            var l = left.Cast<object?>().ToList();
            var r = right.Cast<object?>().ToList();
            Assert.True(l.Count == r.Count, $"{path}: expected {l.Count} items, got {r.Count}");
            for (var i = 0; i < l.Count; i++)
            {
                Equal(l[i], r[i], $"{path}[{i}]");
            }

            return;
        }

        Assert.Equal(type, actual.GetType());
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.GetIndexParameters().Length == 0))
        {
            Equal(property.GetValue(expected), property.GetValue(actual), path + "." + property.Name);
        }

        foreach (var field in type.GetFields(BindingFlags.Public | BindingFlags.Instance))
        {
            Equal(field.GetValue(expected), field.GetValue(actual), path + "." + field.Name);
        }
    }

    private static string Show(object? value) => value switch
    {
        null => "null",
        double d => d.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
        DateTime t => t.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
        _ => value.ToString() ?? string.Empty,
    };
}
