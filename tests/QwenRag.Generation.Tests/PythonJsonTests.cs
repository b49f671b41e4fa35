using System.Text.Json;
using QwenRag.Generation.Chat;

namespace QwenRag.Generation.Tests;

/// <summary>transformers' tojson is Python's json.dumps(ensure_ascii=False); these are values Python printed.</summary>
public sealed class PythonJsonTests
{
    [Theory]
    [InlineData(1.0, "1.0")]
    [InlineData(0.1, "0.1")]
    [InlineData(123.456, "123.456")]
    [InlineData(1e20, "1e+20")]
    [InlineData(1e16, "1e+16")]
    [InlineData(1e15, "1000000000000000.0")]
    [InlineData(9999999999999998.0, "9999999999999998.0")]
    [InlineData(1e-5, "1e-05")]
    [InlineData(0.0001, "0.0001")]
    [InlineData(1.5e-7, "1.5e-07")]
    [InlineData(-0.0, "-0.0")]
    [InlineData(-2.5, "-2.5")]
    [InlineData(5e-324, "5e-324")]
    [InlineData(1.7976931348623157e308, "1.7976931348623157e+308")]
    [InlineData(123456789012345678.0, "1.2345678901234568e+17")]
    [InlineData(double.PositiveInfinity, "Infinity")]
    public void FloatRepr_AsPythonPrintsIt(double value, string expected) => Assert.Equal(expected, PythonJson.FloatRepr(value));

    [Theory]
    [InlineData("""{"b": 1, "a": [true, null, "x"]}""", """{"b": 1, "a": [true, null, "x"]}""")]
    [InlineData("""{"a":1,"b":{"c":2}}""", """{"a": 1, "b": {"c": 2}}""")]
    [InlineData("""{"k": 1, "j": 2, "k": 3}""", """{"k": 3, "j": 2}""")]
    [InlineData("""["<a> & 'b'", "\u00e9\u6771", "\u2028", "\ud83d\ude00"]""", "[\"<a> & 'b'\", \"é東\", \"\u2028\", \"😀\"]")]
    [InlineData("""["\"\\\/\b\f\n\r\t\u0001\u001f\u007f"]""", "[\"\\\"\\\\/\\b\\f\\n\\r\\t\\u0001\\u001f\u007f\"]")]
    [InlineData("[-0, 10, 12345678901234567890123, 1E2, 2.50, 1e400]", "[0, 10, 12345678901234567890123, 100.0, 2.5, Infinity]")]
    public void Write_AsJsonDumpsWritesIt(string json, string expected)
    {
        using var document = JsonDocument.Parse(json);

        Assert.Equal(expected, PythonJson.Write(document.RootElement));
    }
}
