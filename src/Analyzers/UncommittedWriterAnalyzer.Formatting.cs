using Microsoft.CodeAnalysis;

namespace Bulwark.Analyzers;

public sealed partial class UncommittedWriterAnalyzer
{
    /// <summary>
    /// Calls that only turn a writer into text: a writer passed to one is still the caller's to commit, so the call is
    /// not an ownership hand-off (a log line naming the file must not silence a file that is never committed).
    /// </summary>
    /// <remarks>
    /// The parameter must be typed <c>object</c> (alone, as a params array or span): these APIs reach the writer only
    /// through <c>ToString</c>/<c>IFormattable</c>. Other overloads of the same names (a TextWriter's Write(char[])) do
    /// not take a writer at all. Logging methods generated from <c>[LoggerMessage]</c> and the Append* methods of an
    /// interpolated string handler format whatever type they take.
    /// </remarks>
    private static class FormattingCalls
    {
        private static readonly (TypeName Type, string[] Methods)[] Formatters =
        [
            (new TypeName("System.Console"), ["Write", "WriteLine"]),
            (new TypeName("System.IO.TextWriter"), ["Write", "WriteLine", "WriteAsync", "WriteLineAsync"]),
            (new TypeName("System.String"), ["Format", "Concat", "Join"]),
            (new TypeName("System.Text.StringBuilder"), ["Append", "AppendLine", "AppendFormat", "AppendJoin", "Insert"]),
            (new TypeName("System.Diagnostics.Debug"), ["Write", "WriteLine", "WriteIf", "WriteLineIf", "Print"]),
            (new TypeName("System.Diagnostics.Trace"), ["Write", "WriteLine", "WriteIf", "WriteLineIf", "TraceInformation", "TraceWarning", "TraceError"]),
            (new TypeName("Microsoft.Extensions.Logging.LoggerExtensions"), ["Log", "LogTrace", "LogDebug", "LogInformation", "LogWarning", "LogError", "LogCritical", "BeginScope"]),
        ];

        private static readonly TypeName LoggerMessageAttribute = new("Microsoft.Extensions.Logging.LoggerMessageAttribute");
        private static readonly TypeName InterpolatedStringHandlerAttribute = new("System.Runtime.CompilerServices.InterpolatedStringHandlerAttribute");

        public static bool OnlyFormats(IMethodSymbol method, IParameterSymbol? parameter)
        {
            if (parameter is null)
            {
                return false;
            }

            if (method.Name.StartsWith("AppendFormatted", StringComparison.Ordinal) && HasAttribute(method.ContainingType, InterpolatedStringHandlerAttribute))
            {
                return true;
            }

            if (HasAttribute(method, LoggerMessageAttribute) || (method.PartialDefinitionPart is { } definition && HasAttribute(definition, LoggerMessageAttribute)))
            {
                return true;
            }

            if (!IsObject(parameter.Type))
            {
                return false;
            }

            for (var type = method.ContainingType; type is not null; type = type.BaseType)
            {
                foreach (var (name, methods) in Formatters)
                {
                    if (name.Matches(type))
                    {
                        return Array.IndexOf(methods, method.Name) >= 0;
                    }
                }
            }

            return false;
        }

        /// <summary><c>object</c>, <c>object[]</c> or a span of <c>object</c> (the params forms).</summary>
        private static bool IsObject(ITypeSymbol type) => type switch
        {
            { SpecialType: SpecialType.System_Object } => true,
            IArrayTypeSymbol array => array.ElementType.SpecialType == SpecialType.System_Object,
            INamedTypeSymbol { IsGenericType: true, TypeArguments.Length: 1 } span => span.TypeArguments[0].SpecialType == SpecialType.System_Object
                && (KnownTypes.ReadOnlySpan.Matches(span.OriginalDefinition) || KnownTypes.Span.Matches(span.OriginalDefinition)),
            _ => false,
        };

        private static bool HasAttribute(ISymbol? symbol, TypeName attribute)
        {
            if (symbol is null)
            {
                return false;
            }

            foreach (var data in symbol.GetAttributes())
            {
                if (attribute.Matches(data.AttributeClass))
                {
                    return true;
                }
            }

            return false;
        }
    }
}
