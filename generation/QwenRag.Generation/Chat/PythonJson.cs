using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Json;

namespace QwenRag.Generation.Chat;

/// <summary>
/// JSON as the chat templates' <c>tojson</c> filter writes it under Hugging Face transformers. transformers replaces
/// jinja's own filter (which HTML-escapes &lt; &gt; &amp; ') with <c>json.dumps(x, ensure_ascii=False)</c> and default
/// separators (src/transformers/utils/chat_template_utils.py, <c>_compile_jinja_template</c>), applied to what
/// <c>json.loads</c> made of the request. So this writes: ", " and ": " separators; keys in the order given (a repeated
/// key keeps its first place and its last value, as a Python dict does); strings with only \" \\ \n \r \t \b \f and
/// \u00XX (other controls) escaped, everything else — &lt; &gt; &amp; ', non-ASCII, U+2028 — as is; integers (no
/// fraction or exponent) as Python ints (any size); other numbers as Python floats, in <c>repr</c>'s shortest form
/// (1.0, 1e+20, 1e-05, Infinity for what overflows a double).
/// </summary>
internal static class PythonJson
{
    public static string Write(JsonElement value)
    {
        var text = new StringBuilder();
        Write(value, text);
        return text.ToString();
    }

    public static void Write(JsonElement value, StringBuilder text)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                WriteObject(value, text);
                break;
            case JsonValueKind.Array:
                text.Append('[');
                var first = true;
                foreach (var item in value.EnumerateArray())
                {
                    if (!first)
                    {
                        text.Append(", ");
                    }

                    first = false;
                    Write(item, text);
                }

                text.Append(']');
                break;
            case JsonValueKind.String:
                WriteString(value.GetString()!, text);
                break;
            case JsonValueKind.Number:
                WriteNumber(value.GetRawText(), text);
                break;
            case JsonValueKind.True:
                text.Append("true");
                break;
            case JsonValueKind.False:
                text.Append("false");
                break;
            case JsonValueKind.Null:
                text.Append("null");
                break;
            default:
                throw new ArgumentException($"Cannot write a JSON value of kind {value.ValueKind}.", nameof(value));
        }
    }

    private static void WriteObject(JsonElement value, StringBuilder text)
    {
        var properties = new List<(string Name, JsonElement Value)>();
        var places = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var property in value.EnumerateObject())
        {
            if (places.TryGetValue(property.Name, out var place))
            {
                properties[place] = (property.Name, property.Value);
            }
            else
            {
                places[property.Name] = properties.Count;
                properties.Add((property.Name, property.Value));
            }
        }

        text.Append('{');
        for (var i = 0; i < properties.Count; i++)
        {
            if (i > 0)
            {
                text.Append(", ");
            }

            WriteString(properties[i].Name, text);
            text.Append(": ");
            Write(properties[i].Value, text);
        }

        text.Append('}');
    }

    internal static void WriteString(string value, StringBuilder text)
    {
        text.Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"':
                    text.Append("\\\"");
                    break;
                case '\\':
                    text.Append("\\\\");
                    break;
                case '\n':
                    text.Append("\\n");
                    break;
                case '\r':
                    text.Append("\\r");
                    break;
                case '\t':
                    text.Append("\\t");
                    break;
                case '\b':
                    text.Append("\\b");
                    break;
                case '\f':
                    text.Append("\\f");
                    break;
                case < ' ':
                    text.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    break;
                default:
                    text.Append(c);
                    break;
            }
        }

        text.Append('"');
    }

    private static void WriteNumber(string raw, StringBuilder text)
    {
        if (raw.AsSpan().IndexOfAny('.', 'e', 'E') < 0)
        {
            // json.loads makes an int of it: any size, and "-0" is 0.
            text.Append(BigInteger.Parse(raw, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture));
            return;
        }

        text.Append(FloatRepr(double.Parse(raw, NumberStyles.Float, CultureInfo.InvariantCulture)));
    }

    /// <summary>Python's <c>repr(float)</c> (what json.dumps writes): the shortest digits that read back the same.</summary>
    internal static string FloatRepr(double value)
    {
        if (double.IsNaN(value))
        {
            return "NaN";
        }

        if (double.IsInfinity(value))
        {
            return value > 0 ? "Infinity" : "-Infinity";
        }

        // .NET's "R" gives the same shortest round-trip digits as Python; only the layout differs, so take the digits
        // and the decimal exponent from it and lay them out as Python does.
        var round = value.ToString("R", CultureInfo.InvariantCulture);
        var negative = round.StartsWith('-');
        if (negative)
        {
            round = round[1..];
        }

        var exponent = 0;
        var e = round.IndexOfAny(['e', 'E']);
        if (e >= 0)
        {
            exponent = int.Parse(round[(e + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            round = round[..e];
        }

        var point = round.IndexOf('.');
        var integerPart = point < 0 ? round : round[..point];
        var digits = point < 0 ? round : integerPart + round[(point + 1)..];

        // value = 0.<digits> × 10^decimalPoint
        var decimalPoint = integerPart.Length + exponent;
        var leadingZeros = digits.Length - digits.TrimStart('0').Length;
        digits = digits.TrimStart('0').TrimEnd('0');
        decimalPoint -= leadingZeros;
        var sign = negative ? "-" : string.Empty;
        if (digits.Length == 0)
        {
            return sign + "0.0";
        }

        var scientific = decimalPoint - 1;
        if (scientific < -4 || scientific >= 16)
        {
            var mantissa = digits.Length == 1 ? digits : digits[..1] + "." + digits[1..];
            var magnitude = Math.Abs(scientific).ToString("00", CultureInfo.InvariantCulture);
            return sign + mantissa + "e" + (scientific < 0 ? "-" : "+") + magnitude;
        }

        if (decimalPoint <= 0)
        {
            return sign + "0." + new string('0', -decimalPoint) + digits;
        }

        if (decimalPoint >= digits.Length)
        {
            return sign + digits + new string('0', decimalPoint - digits.Length) + ".0";
        }

        return sign + digits[..decimalPoint] + "." + digits[decimalPoint..];
    }
}
