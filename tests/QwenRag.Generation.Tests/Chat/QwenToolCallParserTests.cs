using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;
using QwenRag.Generation.Chat;

namespace QwenRag.Generation.Tests.Chat;

public sealed class QwenToolCallParserTests
{
    /// <summary>What Qwen writes for two calls after a sentence, as its template shows tool calls.</summary>
    private const string TwoCalls =
        "Let me look that up.\n<tool_call>\n{\"name\": \"search\", \"arguments\": {\"query\": \"variance\", \"top\": 3}}\n</tool_call>\n" +
        "<tool_call>\n{\"name\": \"list_sets\", \"arguments\": {}}\n</tool_call>";

    /// <summary>Contents as comparable text: kinds in order, call names and arguments as JSON.</summary>
    private static string[] Describe(IEnumerable<AIContent> contents) => Merge(contents).Select(content => content switch
    {
        TextContent text => "text:" + text.Text,
        FunctionCallContent call => $"call:{call.Name}:{JsonSerializer.Serialize(call.Arguments)}",
        _ => "other:" + content.GetType().Name,
    }).ToArray();

    private static List<AIContent> Merge(IEnumerable<AIContent> contents)
    {
        var merged = new List<AIContent>();
        foreach (var content in contents)
        {
            if (content is TextContent text && merged.Count > 0 && merged[^1] is TextContent previous)
            {
                merged[^1] = new TextContent(previous.Text + text.Text);
            }
            else
            {
                merged.Add(content);
            }
        }

        return merged;
    }

    private static List<AIContent> Streamed(params string[] pieces)
    {
        var parser = new QwenToolCallParser();
        var contents = new List<AIContent>();
        foreach (var piece in pieces)
        {
            contents.AddRange(parser.Push(piece));
        }

        contents.AddRange(parser.Flush());
        return contents;
    }

    [Fact]
    public void Parse_TwoCallsAfterText_TextThenBothCalls()
    {
        var contents = QwenToolCallParser.Parse(TwoCalls);

        Assert.Equal(3, contents.Count);
        Assert.Equal("Let me look that up.", Assert.IsType<TextContent>(contents[0]).Text);
        var search = Assert.IsType<FunctionCallContent>(contents[1]);
        Assert.Equal("search", search.Name);
        Assert.Equal("variance", Assert.IsType<JsonElement>(search.Arguments!["query"]).GetString());
        Assert.Equal(3, Assert.IsType<JsonElement>(search.Arguments["top"]).GetInt32());
        var sets = Assert.IsType<FunctionCallContent>(contents[2]);
        Assert.Equal("list_sets", sets.Name);
        Assert.Empty(sets.Arguments!);
        Assert.False(string.IsNullOrEmpty(search.CallId));
        Assert.NotEqual(search.CallId, sets.CallId);
    }

    [Fact]
    public void Push_SplitAtEveryPosition_SameContentsAsWhole()
    {
        var expected = Describe(QwenToolCallParser.Parse(TwoCalls));

        for (var at = 0; at <= TwoCalls.Length; at++)
        {
            Assert.Equal(expected, Describe(Streamed(TwoCalls[..at], TwoCalls[at..])));
        }

        Assert.Equal(expected, Describe(Streamed(TwoCalls.Select(c => c.ToString()).ToArray())));
    }

    [Fact]
    public void Push_CharByChar_TextStreamsBeforeTheCallAndNoTagPrefixLeaks()
    {
        var parser = new QwenToolCallParser();
        var emitted = new List<AIContent>();
        var sentence = "Let me look that up.";
        foreach (var c in TwoCalls)
        {
            var contents = parser.Push(c.ToString());
            // Nothing of a tag is ever emitted as text: a partial "<tool_call>" is held back until it is decided.
            Assert.All(contents.OfType<TextContent>(), text => Assert.DoesNotContain("<", text.Text, StringComparison.Ordinal));
            emitted.AddRange(contents);
            if (emitted.Count == 0)
            {
                continue;
            }

            // The sentence is out before the first call is complete.
            if (emitted.OfType<FunctionCallContent>().Any())
            {
                Assert.Equal(sentence, string.Concat(emitted.OfType<TextContent>().Select(t => t.Text)));
            }
        }

        emitted.AddRange(parser.Flush());
        Assert.True(parser.HasCalls);
        Assert.Equal(["text:" + sentence, "call:search:{\"query\":\"variance\",\"top\":3}", "call:list_sets:{}"], Describe(emitted));
    }

    [Fact]
    public void Push_EachCallEmittedOnceItsClosingTagArrives()
    {
        var parser = new QwenToolCallParser();
        var close = TwoCalls.IndexOf(QwenToolCallParser.CloseTag, StringComparison.Ordinal) + QwenToolCallParser.CloseTag.Length;

        var before = parser.Push(TwoCalls[..(close - 1)]);
        var after = parser.Push(TwoCalls[(close - 1)..close]);

        Assert.Equal(["text:Let me look that up."], Describe(before));
        Assert.Equal("search", Assert.IsType<FunctionCallContent>(Assert.Single(after)).Name);
    }

    [Theory]
    [InlineData("Hello world, no calls here.\n\n  ")]
    [InlineData("Qwen writes <tool_call> tags when it calls a tool.")]
    [InlineData("Unclosed at the end: <tool_call>\n{\"name\": \"search\", \"arguments\": {\"query\": \"x\"")]
    [InlineData("Bad JSON: <tool_call>\n{\"name\": search}\n</tool_call> and more")]
    [InlineData("<tool_call>\n{\"arguments\": {\"q\": 1}}\n</tool_call>")]
    [InlineData("<tool_call>\n{\"name\": \"\", \"arguments\": {}}\n</tool_call>")]
    [InlineData("<tool_call>\n{\"name\": 5, \"arguments\": {}}\n</tool_call>")]
    [InlineData("<tool_call>\n{\"name\": \"search\", \"arguments\": [1, 2]}\n</tool_call>")]
    [InlineData("<tool_call>\n[\"search\"]\n</tool_call>")]
    [InlineData("<tool_call>\n{\"name\": \"search\"} trailing\n</tool_call>")]
    [InlineData("Ends on a partial tag <tool_c")]
    [InlineData("Almost a tag <tool_cal> and </tool_call> alone")]
    public void Parse_NotACall_StaysTextExactly(string text)
    {
        Assert.Equal(["text:" + text], Describe(QwenToolCallParser.Parse(text)));

        for (var at = 0; at <= text.Length; at++)
        {
            var streamed = Streamed(text[..at], text[at..]);
            Assert.Equal(["text:" + text], Describe(streamed));
        }
    }

    [Fact]
    public void Parse_MalformedCallBetweenGoodOnes_GoodOnesAreCallsTheBadOneText()
    {
        const string text =
            "<tool_call>\n{\"name\": \"a\", \"arguments\": {}}\n</tool_call>\n<tool_call>\n{oops}\n</tool_call>\n" +
            "<tool_call>\n{\"name\": \"b\", \"arguments\": {\"x\": [1, {\"y\": null}]}}\n</tool_call>\n";

        var described = Describe(QwenToolCallParser.Parse(text));

        Assert.Equal(["call:a:{}", "text:<tool_call>\n{oops}\n</tool_call>", "call:b:{\"x\":[1,{\"y\":null}]}"], described);
    }

    [Fact]
    public void Parse_TextBetweenAndAfterCalls_Kept()
    {
        const string text =
            "First.\n<tool_call>\n{\"name\": \"a\", \"arguments\": {}}\n</tool_call>\nThen this.\n" +
            "<tool_call>{\"name\": \"b\"}</tool_call>\nDone.";

        Assert.Equal(["text:First.", "call:a:{}", "text:Then this.", "call:b:{}", "text:Done."], Describe(QwenToolCallParser.Parse(text)));
    }

    [Fact]
    public void Parse_ArgumentsAsJsonString_Parsed()
    {
        var call = Assert.IsType<FunctionCallContent>(Assert.Single(
            QwenToolCallParser.Parse("<tool_call>{\"name\": \"search\", \"arguments\": \"{\\\"query\\\": \\\"rag\\\"}\"}</tool_call>")));

        Assert.Equal("rag", Assert.IsType<JsonElement>(call.Arguments!["query"]).GetString());
    }

    [Fact]
    public void Parse_ArgumentsStringNotJson_StaysText()
    {
        const string text = "<tool_call>{\"name\": \"search\", \"arguments\": \"not json\"}</tool_call>";

        Assert.Equal(["text:" + text], Describe(QwenToolCallParser.Parse(text)));
    }

    [Fact]
    public void Parse_DeeplyNestedJson_StaysTextWithoutThrowing()
    {
        var text = "<tool_call>{\"name\": \"a\", \"arguments\": {\"x\": " + new string('[', 200) + new string(']', 200) + "}}</tool_call>";

        Assert.Equal(["text:" + text], Describe(QwenToolCallParser.Parse(text)));
    }

    [Fact]
    public void Flush_OnlyCallsAndWhitespace_NoText()
    {
        var contents = Streamed("\n<tool_call>\n{\"name\": \"a\"}\n</tool_call>", "\n\n");

        Assert.Equal(["call:a:{}"], Describe(contents));
    }

    [Fact]
    public void Push_NonAsciiText_PassesThrough()
    {
        var text = new StringBuilder("Größe ≤ 3 — 日本語 ").Append("<tool_call>{\"name\": \"ä\", \"arguments\": {\"q\": \"ü\"}}</tool_call>").ToString();

        Assert.Equal(["text:Größe ≤ 3 — 日本語", "call:ä:{\"q\":\"\\u00FC\"}"], Describe(QwenToolCallParser.Parse(text)));
    }
}
