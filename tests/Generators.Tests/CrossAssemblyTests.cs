using System.Reflection;
using System.Runtime.Loader;
using Bulwark.Arrow;
using Microsoft.CodeAnalysis;

namespace Bulwark.Generators.Tests;

/// <summary>
/// A record may nest an [ArrowRecord] type from a referenced assembly, whose generated members the outer generator
/// cannot see: it reaches them through the IArrowStructRecord hooks. Both assemblies are compiled, loaded and run.
/// </summary>
public sealed class CrossAssemblyTests
{
    private const string Models = """
        using Bulwark;

        namespace Models;

        public enum Kind { Home, Work }

        [ArrowRecord]
        public partial record Address(string City, Kind Kind, int? Zip);
        """;

    private const string App = """
        using System.Collections.Generic;
        using Bulwark;
        using Models;

        namespace App;

        public enum Tier { Free, Paid }

        [ArrowRecord]
        public partial record Customer(long Id, Tier Tier, Address Home, Address? Work, List<Address> Previous);
        """;

    [Fact]
    public void NestedRecordFromAnotherAssemblyCompilesAndRoundTrips()
    {
        var models = GeneratorHarness.Run(GeneratorHarness.CreateCompilation("Models", [], Models));
        Assert.Empty(models.GeneratorDiagnostics);
        var modelsImage = GeneratorHarness.Emit(models.OutputCompilation);

        var app = GeneratorHarness.Run(GeneratorHarness.CreateCompilation("App", [MetadataReference.CreateFromImage(modelsImage)], App));
        Assert.Empty(app.GeneratorDiagnostics);
        Assert.True(app.CompilationDiagnostics.IsEmpty, string.Join("\n", app.CompilationDiagnostics));
        var appImage = GeneratorHarness.Emit(app.OutputCompilation);

        var context = new AssemblyLoadContext("cross-assembly", isCollectible: true);
        try
        {
            var modelsAssembly = context.LoadFromStream(new MemoryStream(modelsImage));
            context.Resolving += (_, name) => name.Name == "Models" ? modelsAssembly : null;
            var appAssembly = context.LoadFromStream(new MemoryStream(appImage));

            var addressType = modelsAssembly.GetType("Models.Address", throwOnError: true)!;
            var kindType = modelsAssembly.GetType("Models.Kind", throwOnError: true)!;
            var customerType = appAssembly.GetType("App.Customer", throwOnError: true)!;
            var tierType = appAssembly.GetType("App.Tier", throwOnError: true)!;

            object Address(string city, int kind, int? zip) => Activator.CreateInstance(addressType, city, Enum.ToObject(kindType, kind), zip)!;
            var previous = Activator.CreateInstance(typeof(List<>).MakeGenericType(addressType))!;
            previous.GetType().GetMethod("Add")!.Invoke(previous, [Address("Oslo", 0, null)]);
            var customer = Activator.CreateInstance(customerType, 7L, Enum.ToObject(tierType, 1), Address("Lund", 0, 22100), null, previous)!;

            var schema = (Schema)customerType.GetProperty("ArrowSchema")!.GetValue(null)!;
            Assert.Equal(4, DictionaryFields(schema.FieldsList).Count());

            var builder = customerType.GetMethod("CreateBatchBuilder")!.Invoke(null, null)!;
            builder.GetType().GetMethod("Append")!.Invoke(builder, [customer]);
            using var batch = (RecordBatch)builder.GetType().GetMethod("Build")!.Invoke(builder, null)!;
            var rows = (System.Array)customerType.GetMethod("ReadBatch")!.Invoke(null, [batch])!;

            var read = rows.GetValue(0)!;
            Assert.Equal(customerType.GetProperty("Home")!.GetValue(customer), customerType.GetProperty("Home")!.GetValue(read));
            Assert.Null(customerType.GetProperty("Work")!.GetValue(read));
            var readPrevious = (System.Collections.IList)customerType.GetProperty("Previous")!.GetValue(read)!;
            Assert.Equal(Address("Oslo", 0, null), readPrevious[0]);
        }
        finally
        {
            context.Unload();
        }
    }

    private static IEnumerable<Field> DictionaryFields(IEnumerable<Field> fields)
    {
        foreach (var field in fields)
        {
            if (field.DataType is DictionaryType)
            {
                yield return field;
            }

            var children = field.DataType switch
            {
                StructType st => st.Fields,
                ListType list => (IEnumerable<Field>)[list.ValueField],
                _ => [],
            };
            foreach (var child in DictionaryFields(children))
            {
                yield return child;
            }
        }
    }
}
