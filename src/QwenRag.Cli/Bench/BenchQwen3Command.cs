using System.CommandLine;
using System.Diagnostics;
using QwenRag.Core.Models;
using QwenRag.Generation.RetrievalModels;

namespace QwenRag.Cli.Bench;

/// <summary>
/// <c>qwenrag bench qwen3</c>: a Qwen3-Embedding checkpoint's embedding throughput and a Qwen3-Reranker checkpoint's
/// latency per query, through the same sources the host registers (conversion to the graph cache timed apart).
/// </summary>
internal sealed class BenchQwen3Command : Command
{
    private readonly Option<string?> _embedding = new("--embedding") { Description = "Qwen3-Embedding checkpoint folder", HelpName = "DIR" };
    private readonly Option<string?> _reranker = new("--reranker") { Description = "Qwen3-Reranker (Qwen3 causal LM) checkpoint folder", HelpName = "DIR" };
    private readonly Option<string?> _cache = new("--cache") { Description = "Graph cache folder (default: a temporary folder, deleted after)", HelpName = "DIR" };
    private readonly Option<int> _texts = new("--texts") { Description = "Synthetic 150-word texts to embed", DefaultValueFactory = _ => 64 };
    private readonly Option<int> _queries = new("--queries") { Description = "Queries to rerank", DefaultValueFactory = _ => 3 };
    private readonly Option<int> _passages = new("--passages") { Description = "Passages per query", DefaultValueFactory = _ => 30 };
    private readonly Option<int?> _threads = new("--threads") { Description = "Inference threads (default: every core)" };
    private readonly Option<bool> _json = CliOptions.Json();

    public BenchQwen3Command()
        : base("qwen3", "Qwen3-Embedding texts/s and Qwen3-Reranker latency per query on this machine")
    {
        Options.Add(_embedding);
        Options.Add(_reranker);
        Options.Add(_cache);
        Options.Add(_texts);
        Options.Add(_queries);
        Options.Add(_passages);
        Options.Add(_threads);
        Options.Add(_json);
        SetAction(RunAsync);
    }

    private async Task<int> RunAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        var texts = parse.GetValue(_texts);
        var queries = parse.GetValue(_queries);
        var passages = parse.GetValue(_passages);
        if (texts < 1 || queries < 1 || passages < 1)
        {
            throw new CommandFailedException("--texts, --queries and --passages must be 1 or more");
        }

        var temporary = parse.GetValue(_cache) is null;
        var cacheRoot = parse.GetValue(_cache) ?? Path.Combine(Path.GetTempPath(), "qwenrag-bench-qwen3-" + Guid.NewGuid().ToString("N"));
        var cache = new Qwen3GraphCache(cacheRoot);
        var threads = parse.GetValue(_threads);
        var result = new Dictionary<string, object>();
        try
        {
            var corpus = BenchChunkTexts.Synthetic(Math.Max(texts, passages));
            if (parse.GetValue(_embedding) is { Length: > 0 } embedding)
            {
                var watch = Stopwatch.StartNew();
                using var generator = new Qwen3EmbeddingSource(cache).TryOpen(embedding, EmbeddingRole.Document, threads) as Qwen3EmbeddingGenerator
                    ?? throw new CommandFailedException($"{embedding} is not a Qwen3 checkpoint");
                var open = watch.Elapsed.TotalSeconds;
                var batch = corpus.Take(texts).ToArray();
                await generator.GenerateAsync(batch.Take(2), cancellationToken: cancellationToken);
                watch.Restart();
                var vectors = await generator.GenerateAsync(batch, cancellationToken: cancellationToken);
                var seconds = watch.Elapsed.TotalSeconds;
                result["embedding"] = new
                {
                    model = embedding,
                    device = generator.Device.ToString(),
                    openSeconds = open,
                    texts,
                    tokens = vectors.Usage?.InputTokenCount,
                    seconds,
                    textsPerSecond = texts / seconds,
                    tokensPerSecond = (vectors.Usage?.InputTokenCount ?? 0) / seconds,
                };
            }

            if (parse.GetValue(_reranker) is { Length: > 0 } reranker)
            {
                var watch = Stopwatch.StartNew();
                using var model = new Qwen3RerankerSource(cache).TryOpen(reranker, threads) as Qwen3Reranker
                    ?? throw new CommandFailedException($"{reranker} is not a Qwen3 causal-LM checkpoint");
                var open = watch.Elapsed.TotalSeconds;
                var candidates = corpus.Take(passages).ToArray();
                await model.ScoreAsync("warm up", candidates.Take(2).ToArray(), cancellationToken);
                var latencies = new List<double>();
                for (var q = 0; q < queries; q++)
                {
                    watch.Restart();
                    await model.ScoreAsync($"which setting changes the {corpus[q].Split(' ')[0]} of a document?", candidates, cancellationToken);
                    latencies.Add(watch.Elapsed.TotalMilliseconds);
                }

                latencies.Sort();
                result["reranking"] = new
                {
                    model = reranker,
                    openSeconds = open,
                    queries,
                    passages,
                    meanPromptTokens = candidates.Average(passage => model.Prompt("which setting changes the page of a document?", passage).Count),
                    p50Milliseconds = latencies[latencies.Count / 2],
                    maxMilliseconds = latencies[^1],
                };
            }
        }
        finally
        {
            if (temporary && Directory.Exists(cacheRoot))
            {
                Directory.Delete(cacheRoot, recursive: true);
            }
        }

        if (result.Count == 0)
        {
            throw new CommandFailedException("give --embedding, --reranker or both");
        }

        if (parse.GetValue(_json))
        {
            JsonOutput.Write(result);
        }
        else
        {
            foreach (var (name, value) in result)
            {
                Console.WriteLine($"{name}: {value}");
            }
        }

        return 0;
    }
}
