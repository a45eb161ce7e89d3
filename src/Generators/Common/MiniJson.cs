using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace Bulwark.Generators.Common;

/// <summary>
/// A small strict JSON reader and string escaper. Generators run inside the compiler on netstandard2.0, where taking a
/// System.Text.Json dependency would have to ship beside the analyzer; the lock file needs only this much.
/// Objects become <see cref="Dictionary{TKey, TValue}"/>, arrays
/// <see cref="List{T}"/>, numbers <see cref="double"/>.
/// </summary>
internal sealed class MiniJson
{
    private const int MaxDepth = 32;

    private readonly string _text;
    private int _position;

    private MiniJson(string text) => _text = text;

    /// <exception cref="FormatException">The text is not JSON; the message names the line and column.</exception>
    public static object? Parse(string text)
    {
        var parser = new MiniJson(text);
        parser.SkipWhiteSpace();
        var value = parser.ParseValue(0);
        parser.SkipWhiteSpace();
        if (parser._position != text.Length)
        {
            throw parser.Error("unexpected text after the end of the document");
        }

        return value;
    }

    public static string Quote(string text)
    {
        var builder = new StringBuilder(text.Length + 2).Append('"');
        foreach (var c in text)
        {
            switch (c)
            {
                case '"': builder.Append("\\\""); break;
                case '\\': builder.Append("\\\\"); break;
                case '\n': builder.Append("\\n"); break;
                case '\r': builder.Append("\\r"); break;
                case '\t': builder.Append("\\t"); break;
                default:
                    if (c < ' ')
                    {
                        builder.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        builder.Append(c);
                    }

                    break;
            }
        }

        return builder.Append('"').ToString();
    }

    private object? ParseValue(int depth)
    {
        if (depth > MaxDepth)
        {
            throw Error("nested too deeply");
        }

        if (_position >= _text.Length)
        {
            throw Error("unexpected end of the document");
        }

        var c = _text[_position];
        switch (c)
        {
            case '{':
                return ParseObject(depth);
            case '[':
                return ParseArray(depth);
            case '"':
                return ParseString();
            case 't':
                Expect("true");
                return true;
            case 'f':
                Expect("false");
                return false;
            case 'n':
                Expect("null");
                return null;
            default:
                if (c == '-' || (c >= '0' && c <= '9'))
                {
                    return ParseNumber();
                }

                throw Error($"unexpected character '{c}'");
        }
    }

    private Dictionary<string, object?> ParseObject(int depth)
    {
        var result = new Dictionary<string, object?>(StringComparer.Ordinal);
        _position++;
        SkipWhiteSpace();
        if (Peek() == '}')
        {
            _position++;
            return result;
        }

        while (true)
        {
            SkipWhiteSpace();
            if (Peek() != '"')
            {
                throw Error("expected a property name");
            }

            var name = ParseString();
            SkipWhiteSpace();
            if (Peek() != ':')
            {
                throw Error("expected ':'");
            }

            _position++;
            SkipWhiteSpace();
            if (result.ContainsKey(name))
            {
                throw Error($"property \"{name}\" appears twice");
            }

            result[name] = ParseValue(depth + 1);
            SkipWhiteSpace();
            var next = Peek();
            _position++;
            if (next == '}')
            {
                return result;
            }

            if (next != ',')
            {
                _position--;
                throw Error("expected ',' or '}'");
            }
        }
    }

    private List<object?> ParseArray(int depth)
    {
        var result = new List<object?>();
        _position++;
        SkipWhiteSpace();
        if (Peek() == ']')
        {
            _position++;
            return result;
        }

        while (true)
        {
            SkipWhiteSpace();
            result.Add(ParseValue(depth + 1));
            SkipWhiteSpace();
            var next = Peek();
            _position++;
            if (next == ']')
            {
                return result;
            }

            if (next != ',')
            {
                _position--;
                throw Error("expected ',' or ']'");
            }
        }
    }

    private string ParseString()
    {
        _position++;
        var builder = new StringBuilder();
        while (true)
        {
            if (_position >= _text.Length)
            {
                throw Error("unterminated string");
            }

            var c = _text[_position++];
            if (c == '"')
            {
                return builder.ToString();
            }

            if (c < ' ')
            {
                throw Error("control character in a string");
            }

            if (c != '\\')
            {
                builder.Append(c);
                continue;
            }

            var escape = _position < _text.Length ? _text[_position++] : '\0';
            switch (escape)
            {
                case '"': builder.Append('"'); break;
                case '\\': builder.Append('\\'); break;
                case '/': builder.Append('/'); break;
                case 'b': builder.Append('\b'); break;
                case 'f': builder.Append('\f'); break;
                case 'n': builder.Append('\n'); break;
                case 'r': builder.Append('\r'); break;
                case 't': builder.Append('\t'); break;
                case 'u':
                    if (_position + 4 > _text.Length
                        || !int.TryParse(_text.Substring(_position, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var code))
                    {
                        throw Error("invalid \\u escape");
                    }

                    builder.Append((char)code);
                    _position += 4;
                    break;
                default:
                    throw Error("invalid escape");
            }
        }
    }

    private double ParseNumber()
    {
        var start = _position;
        while (_position < _text.Length && "+-0123456789.eE".IndexOf(_text[_position]) >= 0)
        {
            _position++;
        }

        if (!double.TryParse(_text.Substring(start, _position - start), NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
        {
            _position = start;
            throw Error("invalid number");
        }

        return value;
    }

    private void Expect(string word)
    {
        if (string.CompareOrdinal(_text, _position, word, 0, word.Length) != 0)
        {
            throw Error($"unexpected character '{_text[_position]}'");
        }

        _position += word.Length;
    }

    private char Peek() => _position < _text.Length ? _text[_position] : '\0';

    private void SkipWhiteSpace()
    {
        while (_position < _text.Length && _text[_position] is ' ' or '\t' or '\r' or '\n')
        {
            _position++;
        }
    }

    private FormatException Error(string reason)
    {
        var line = 1;
        var column = 1;
        for (var i = 0; i < _position && i < _text.Length; i++)
        {
            if (_text[i] == '\n')
            {
                line++;
                column = 1;
            }
            else
            {
                column++;
            }
        }

        return new FormatException($"{reason} (line {line}, column {column})");
    }
}
