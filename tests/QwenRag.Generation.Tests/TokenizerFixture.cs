using System.Text.Json;
using QwenRag.Generation.Tokenization;

namespace QwenRag.Generation.Tests;

/// <summary>Qwen3's tokenizer.json and its reference encodings from ../shared/qwen-tokenizer, loaded once per test class.</summary>
public sealed class TokenizerFixture
{
    public TokenizerFixture()
    {
        Directory = FindDirectory();
        Tokenizer = QwenTokenizer.Load(Directory);
        Cases = ReadCases(Path.Combine(Directory, "encode-cases.jsonl"));
    }

    public string Directory { get; }

    public QwenTokenizer Tokenizer { get; }

    public IReadOnlyList<(string Text, int[] Ids)> Cases { get; }

    private static string FindDirectory()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "shared", "qwen-tokenizer");
            if (File.Exists(Path.Combine(candidate, "tokenizer.json")))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException($"shared/qwen-tokenizer was not found above {AppContext.BaseDirectory}; it must lie beside the repository.");
    }

    private static List<(string, int[])> ReadCases(string path)
    {
        var cases = new List<(string, int[])>();
        foreach (var line in File.ReadLines(path))
        {
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            using var document = JsonDocument.Parse(line);
            var text = document.RootElement.GetProperty("text").GetString()!;
            var ids = document.RootElement.GetProperty("ids").EnumerateArray().Select(id => id.GetInt32()).ToArray();
            cases.Add((text, ids));
        }

        return cases;
    }
}
