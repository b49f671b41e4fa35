using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace QwenRag.Generation.Chat;

/// <summary>
/// Turns Qwen's tool-call output, <c>&lt;tool_call&gt;\n{"name": ..., "arguments": {...}}\n&lt;/tool_call&gt;</c> (any
/// number per turn), into <see cref="FunctionCallContent"/> with a generated call id, and everything else into
/// <see cref="TextContent"/>. Fed piece by piece (<see cref="Push"/>, then <see cref="Flush"/>), it never emits text
/// that could still turn out to be the start of a call: from the moment the pending text ends in a prefix of
/// <c>&lt;tool_call&gt;</c>, that tail is held back, and an opened call is held until its closing tag. A call whose
/// body is not a JSON object with a non-empty string <c>name</c> (and, if present, an object <c>arguments</c>) stays
/// text, tags included, and so does a call still open when the output ends: the parser never throws on model output.
/// Whitespace that only separates calls (the newline before, between and after them) is dropped, so a turn of calls
/// alone carries no text; output without calls comes out exactly as it went in.
/// </summary>
internal sealed class QwenToolCallParser
{
    public const string OpenTag = "<tool_call>";
    public const string CloseTag = "</tool_call>";

    private readonly StringBuilder _pending = new();
    private bool _inCall;
    private bool _afterCall;

    // The whitespace just before an opened call: dropped if the call parses, kept with its text if it does not.
    private string _leading = string.Empty;

    /// <summary>Whether a call has been emitted: the turn then finishes with <see cref="ChatFinishReason.ToolCalls"/>.</summary>
    public bool HasCalls { get; private set; }

    /// <summary>The whole output at once.</summary>
    public static IReadOnlyList<AIContent> Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parser = new QwenToolCallParser();
        var contents = new List<AIContent>(parser.Push(text));
        contents.AddRange(parser.Flush());
        return Merge(contents);
    }

    /// <summary>Adds decoded text; returns what is safe to emit now, in order (adjacent text merged).</summary>
    public IReadOnlyList<AIContent> Push(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        _pending.Append(text);
        var contents = new List<AIContent>();
        while (Step(contents))
        {
        }

        return Merge(contents);
    }

    /// <summary>The output ended: everything still held, an unclosed call as text.</summary>
    public IReadOnlyList<AIContent> Flush()
    {
        var rest = _leading + _pending;
        _pending.Clear();
        _leading = string.Empty;
        _inCall = false;
        if (HasCalls && string.IsNullOrWhiteSpace(rest))
        {
            return [];
        }

        return rest.Length == 0 ? [] : [new TextContent(rest)];
    }

    /// <summary>One move forward over the pending text; false when nothing more can be decided without more text.</summary>
    private bool Step(List<AIContent> contents)
    {
        var pending = _pending.ToString();
        if (_inCall)
        {
            var close = pending.IndexOf(CloseTag, OpenTag.Length, StringComparison.Ordinal);
            if (close < 0)
            {
                return false;
            }

            var end = close + CloseTag.Length;
            if (TryParseCall(pending[OpenTag.Length..close]) is { } call)
            {
                contents.Add(call);
                HasCalls = true;
                _afterCall = true;
            }
            else
            {
                contents.Add(new TextContent(_leading + pending[..end]));
                _afterCall = false;
            }

            _leading = string.Empty;
            _pending.Remove(0, end);
            _inCall = false;
            return true;
        }

        var open = pending.IndexOf(OpenTag, StringComparison.Ordinal);
        if (open >= 0)
        {
            var before = pending[..open];
            var text = before.TrimEnd();
            if (_afterCall)
            {
                text = text.TrimStart();
            }

            if (text.Length > 0)
            {
                contents.Add(new TextContent(text));
                _afterCall = false;
            }

            // What trails the text is the whitespace that leads into the call (after a call, all of it is).
            _leading = _afterCall ? string.Empty : before[before.TrimEnd().Length..];
            _pending.Remove(0, open);
            _inCall = true;
            return true;
        }

        // Held back: a tail that could still grow into the opening tag, and trailing whitespace, which is dropped if a
        // call follows. After a call, leading whitespace is dropped too.
        var hold = HeldTail(pending);
        var ready = pending[..^hold];
        if (_afterCall)
        {
            ready = ready.TrimStart();
        }

        if (ready.Length > 0)
        {
            contents.Add(new TextContent(ready));
            _afterCall = false;
        }

        _pending.Clear().Append(pending[^hold..]);
        return false;
    }

    /// <summary>The length of the tail of <paramref name="pending"/> that must wait for more text.</summary>
    private static int HeldTail(string pending)
    {
        var prefix = 0;
        for (var length = Math.Min(OpenTag.Length - 1, pending.Length); length > 0; length--)
        {
            if (pending.AsSpan(pending.Length - length).SequenceEqual(OpenTag.AsSpan(0, length)))
            {
                prefix = length;
                break;
            }
        }

        var start = pending.Length - prefix;
        while (start > 0 && char.IsWhiteSpace(pending[start - 1]))
        {
            start--;
        }

        return pending.Length - start;
    }

    /// <summary>The call a tool-call body describes, or null when it does not describe one.</summary>
    internal static FunctionCallContent? TryParseCall(string body)
    {
        try
        {
            using var json = JsonDocument.Parse(body);
            var root = json.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("name", out var name)
                || name.ValueKind != JsonValueKind.String
                || string.IsNullOrWhiteSpace(name.GetString()))
            {
                return null;
            }

            var arguments = new Dictionary<string, object?>(StringComparer.Ordinal);
            if (root.TryGetProperty("arguments", out var values))
            {
                // Some models write the arguments as a JSON string, as OpenAI's API carries them.
                using var quoted = values.ValueKind == JsonValueKind.String ? JsonDocument.Parse(values.GetString()!) : null;
                if (quoted is not null)
                {
                    values = quoted.RootElement;
                }

                if (values.ValueKind == JsonValueKind.Object)
                {
                    foreach (var property in values.EnumerateObject())
                    {
                        arguments[property.Name] = property.Value.Clone();
                    }
                }
                else if (values.ValueKind != JsonValueKind.Null)
                {
                    return null;
                }
            }

            return new FunctionCallContent(NewCallId(), name.GetString()!, arguments);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string NewCallId() => "call_" + Guid.NewGuid().ToString("N")[..24];

    private static List<AIContent> Merge(List<AIContent> contents)
    {
        var merged = new List<AIContent>(contents.Count);
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
}
