using QwenRag.Core;
using QwenRag.Samples.Agent;

// qwenrag-agent --data DIR --set NAME (--model DIR | --endpoint URL --chat-model NAME [--api-key KEY]) "QUESTION"
var options = new Dictionary<string, string>(StringComparer.Ordinal);
string? question = null;
for (var i = 0; i < args.Length; i++)
{
    if (args[i].StartsWith("--", StringComparison.Ordinal) && i + 1 < args.Length)
    {
        options[args[i]] = args[++i];
    }
    else
    {
        question = args[i];
    }
}

if (question is null || !options.TryGetValue("--set", out var set) || !(options.ContainsKey("--model") || options.ContainsKey("--endpoint")))
{
    Console.Error.WriteLine("usage: qwenrag-agent --data DIR --set NAME (--model DIR | --endpoint URL --chat-model NAME [--api-key KEY]) \"QUESTION\"");
    return 2;
}

try
{
    using var chat = options.TryGetValue("--model", out var model)
        ? ResearchAgent.LocalQwen(model)
        : ResearchAgent.OpenAiCompatible(new Uri(options["--endpoint"]), options.GetValueOrDefault("--chat-model", "default"), options.GetValueOrDefault("--api-key"));
    var kernel = ResearchAgent.BuildKernel(chat, DataDirectory.Resolve(options.GetValueOrDefault("--data")), set);
    Console.WriteLine(await ResearchAgent.AskAsync(kernel, question));
    return 0;
}
catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or IOException or HttpRequestException or UriFormatException)
{
    Console.Error.WriteLine($"error: {ex.Message}");
    return 1;
}
