using System;
using System.Text;

namespace Bulwark.Generators.Common;

/// <summary>Builds indented C# text; generated code is what users step into, so it is laid out like hand-written code.</summary>
internal sealed class SourceWriter
{
    private readonly StringBuilder _builder = new();
    private int _indent;

    public SourceWriter Line(string text = "")
    {
        if (text.Length == 0)
        {
            _builder.Append('\n');
            return this;
        }

        _builder.Append(' ', _indent * 4).Append(text).Append('\n');
        return this;
    }

    public SourceWriter Open(string text)
    {
        Line(text);
        Line("{");
        _indent++;
        return this;
    }

    public SourceWriter Open()
    {
        Line("{");
        _indent++;
        return this;
    }

    public SourceWriter Close(string suffix = "")
    {
        _indent--;
        return Line("}" + suffix);
    }

    public IDisposable Indent()
    {
        _indent++;
        return new Unindent(this);
    }

    public override string ToString() => _builder.ToString();

    private sealed class Unindent(SourceWriter writer) : IDisposable
    {
        public void Dispose() => writer._indent--;
    }
}
