using System.Globalization;
using System.Text;
using Bulwark.Bench.CostCodebase;

// Writes the codebase bench/analyzer-cost.sh compiles into <output>: Shared.cs (the Bulwark-like contracts the analyzers
// look for, declared in source so the codebase compiles against the reference pack alone), GlobalUsings.cs and
// <files> files of storage and background-work code. The same count always gives the same bytes.
//   dotnet run -- <output-directory> [files]
if (args.Length is < 1 or > 2)
{
    Console.Error.WriteLine("usage: Bulwark.Bench.CostCodebase <output-directory> [files=2000]");
    return 2;
}

var output = args[0];
var files = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 2000;
if (Directory.Exists(output))
{
    Directory.Delete(output, recursive: true);
}

Directory.CreateDirectory(output);
var lines = 0;
void Write(string name, string text)
{
    var path = Path.Combine(output, name);
    Directory.CreateDirectory(Path.GetDirectoryName(path)!);
    File.WriteAllText(path, text.ReplaceLineEndings("\n"), new UTF8Encoding(false));
    lines += text.Count(c => c == '\n');
}

Write("GlobalUsings.cs", Shapes.GlobalUsings);
Write("Shared.cs", Shapes.Shared);
var kinds = new int[Templates.Kinds + 2];
for (var i = 0; i < files; i++)
{
    var (kind, text) = Templates.File(i);
    kinds[kind]++;
    Write(string.Create(CultureInfo.InvariantCulture, $"M{i % 40:00}/File{i:0000}.cs"), text);
}

Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{files + 2} files, {lines:N0} lines in {output}"));
Console.WriteLine("files per kind: " + string.Join(", ", Templates.KindNames.Select((name, k) => $"{name}={kinds[k]}")));
return 0;
