using System.Collections.Generic;

namespace Bulwark.Generators.Common;

/// <summary>
/// The output of a generator's model step: the emitter's input, or null when the type cannot be generated, and the
/// diagnostics found on the way. Both compare by value, so the step's output is cached until the type really changes.
/// </summary>
/// <typeparam name="TModel">A record of strings, numbers and <see cref="EquatableArray{T}"/>s: no symbols, syntax or locations.</typeparam>
internal sealed record ParseResult<TModel>(TModel? Model, EquatableArray<DiagnosticInfo> Diagnostics)
    where TModel : class
{
    /// <summary>The model when no diagnostic is an error; a type with errors is reported, not generated.</summary>
    public static ParseResult<TModel> Create(TModel model, IReadOnlyCollection<DiagnosticInfo> diagnostics, bool canEmit = true)
    {
        foreach (var diagnostic in diagnostics)
        {
            canEmit &= !diagnostic.IsError;
        }

        return new ParseResult<TModel>(canEmit ? model : null, diagnostics.ToEquatableArray());
    }
}

/// <summary>One generated file.</summary>
internal sealed record GeneratedSource(string HintName, string Text);
