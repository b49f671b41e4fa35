using Microsoft.Extensions.DependencyInjection;
using QwenRag.Core;
using QwenRag.Hosting;
using QwenRag.Ingestion.Chunking;
using QwenRag.Ingestion.Extraction;
using QwenRag.Ingestion.Pipeline;

namespace QwenRag.Cli.Bench;

/// <summary>
/// Chunk-sized texts for the request-building benchmarks: real chunks of real files, extracted and chunked the
/// way ingestion does it (as <see cref="IngestionBenchmark"/> does), or, without files, synthetic 150-word texts
/// drawn from a fixed vocabulary with a fixed seed.
/// </summary>
internal static class BenchChunkTexts
{
    public const int SyntheticWords = 150;

    private static readonly string[] Vocabulary =
    [
        "the", "of", "and", "a", "to", "in", "is", "for", "that", "with", "on", "as", "by", "are", "be", "this", "from",
        "at", "or", "an", "which", "can", "it", "not", "we", "each", "when", "its", "into", "than", "more", "all",
        "document", "section", "page", "chapter", "figure", "table", "equation", "command", "package", "option",
        "environment", "argument", "macro", "font", "encoding", "margin", "bibliography", "citation", "reference",
        "class", "article", "report", "book", "letter", "slide", "frame", "overlay", "theme", "license", "work",
        "modified", "version", "distribution", "copyright", "maintainer", "status", "file", "directory", "install",
        "attention", "context", "window", "sequence", "parallelism", "tensor", "pipeline", "model", "layer", "head",
        "token", "position", "embedding", "interpolation", "extrapolation", "rotary", "frequency", "scaling",
        "temperature", "training", "fine-tuning", "perplexity", "benchmark", "evaluation", "dataset", "accuracy",
        "throughput", "latency", "memory", "gradient", "optimizer", "batch", "length", "long", "short", "ring",
        "ulysses", "communication", "device", "gpu", "cluster", "node", "partition", "split", "gather", "scatter",
        "align", "equations", "matrix", "theorem", "proof", "lemma", "definition", "symbol", "operator", "integral",
        "greek", "german", "quote", "language", "hyphenation", "babel", "unicode", "character", "glyph", "input",
        "output", "compile", "error", "warning", "log", "run", "default", "value", "parameter", "setting", "user",
        "defines", "describes", "provides", "requires", "allows", "supports", "changes", "uses", "shows", "gives",
        "new", "standard", "optional", "robust", "fragile", "local", "global", "first", "second", "last", "following",
        "2e", "1.3c", "128k", "64", "32", "16", "8", "4", "2", "1", "2023", "1994",
    ];

    /// <summary>
    /// <paramref name="count"/> texts of <see cref="SyntheticWords"/> words each. Words are drawn with a Zipf-like
    /// skew (frequent function words, a long tail), so term counts per chunk look like prose.
    /// </summary>
    public static IReadOnlyList<string> Synthetic(int count, int seed = 42)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var random = new Random(seed);
        var weights = Enumerable.Range(1, Vocabulary.Length).Select(rank => 1.0 / rank).ToArray();
        var cumulative = new double[weights.Length];
        var sum = 0.0;
        for (var i = 0; i < weights.Length; i++)
        {
            sum += weights[i];
            cumulative[i] = sum;
        }

        var texts = new string[count];
        var words = new string[SyntheticWords];
        for (var t = 0; t < count; t++)
        {
            for (var w = 0; w < words.Length; w++)
            {
                var index = Array.BinarySearch(cumulative, random.NextDouble() * sum);
                words[w] = Vocabulary[Math.Min(Vocabulary.Length - 1, index < 0 ? ~index : index)];
            }

            texts[t] = string.Join(' ', words);
        }

        return texts;
    }

    /// <summary>
    /// The chunk texts of <paramref name="files"/>, extracted and chunked by the ingestion services in a scratch
    /// data directory (no embedding model is loaded). Rejected files are left out.
    /// </summary>
    public static async Task<IReadOnlyList<string>> FromFilesAsync(IReadOnlyList<string> files, CancellationToken cancellationToken = default)
    {
        var scratch = Path.Combine(Path.GetTempPath(), "qwenrag-bench-" + Guid.NewGuid().ToString("N"));
        try
        {
            await using var services = new ServiceCollection().AddLogging().AddQwenRag(new DataDirectory(scratch)).BuildServiceProvider();
            var extractors = services.GetRequiredService<DocumentExtractors>();
            var limits = services.GetRequiredService<IngestionOptions>().Extraction;
            var chunker = services.GetRequiredService<Chunker>();
            var texts = new List<string>();
            foreach (var file in files)
            {
                try
                {
                    await using var stream = File.OpenRead(file);
                    var document = extractors.Extract(stream, Path.GetFileName(file), limits: limits, cancellationToken: cancellationToken);
                    texts.AddRange(chunker.Chunk(document).Select(chunk => chunk.Text));
                }
                catch (DocumentRejectedException)
                {
                    // Not ingestible, so not a chunk anyone would send.
                }
            }

            return texts;
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(scratch, recursive: true);
        }
    }
}
