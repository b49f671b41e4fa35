using System.Diagnostics;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using QwenRag.Core;
using QwenRag.Core.Models;
using QwenRag.Hosting;
using QwenRag.Ingestion.Chunking;
using QwenRag.Ingestion.Extraction;
using QwenRag.Ingestion.Pipeline;

namespace QwenRag.Cli.Bench;

/// <summary>Where ingestion time goes: each stage timed on its own over the same files, in a scratch data directory.</summary>
internal static class IngestionBenchmark
{
    public sealed record Result(
        int Files,
        int Pages,
        int Chunks,
        TimeSpan Extract,
        TimeSpan Chunking,
        TimeSpan ModelLoad,
        TimeSpan Embed,
        TimeSpan Write,
        long PeakWorkingSetBytes)
    {
        public TimeSpan Total => Extract + Chunking + ModelLoad + Embed + Write;

        public double PagesPerSecond => Pages / (Total - ModelLoad).TotalSeconds;

        public double ChunksPerSecond => Chunks / (Total - ModelLoad).TotalSeconds;
    }

    /// <param name="files">The documents.</param>
    /// <param name="overrides">Configuration keys over the environment's (the command line's <c>--embedding</c>).</param>
    /// <param name="cancellationToken">Cancels the run.</param>
    public static async Task<Result> RunAsync(
        IReadOnlyList<string> files, IReadOnlyDictionary<string, string?>? overrides = null, CancellationToken cancellationToken = default)
    {
        var scratch = Path.Combine(Path.GetTempPath(), "qwenrag-bench-" + Guid.NewGuid().ToString("N"));
        try
        {
            // The environment's QwenRag__* settings apply, as for every command (QwenRag__Ingestion__EmbedContext=Off),
            // under the command line's (--embedding).
            var configuration = new ConfigurationBuilder()
                .AddEnvironmentVariables()
                .AddInMemoryCollection(overrides ?? new Dictionary<string, string?>())
                .Build();
            await using var services = new ServiceCollection()
                .AddLogging()
                .AddSingleton<IConfiguration>(configuration)
                .AddQwenRag(new DataDirectory(scratch))
                .BuildServiceProvider();
            var extractors = services.GetRequiredService<DocumentExtractors>();
            var ingestion = services.GetRequiredService<IngestionOptions>();
            var limits = ingestion.Extraction;

            var clock = Stopwatch.StartNew();
            var documents = new List<(string Name, ExtractedDocument Document)>();
            foreach (var file in files)
            {
                try
                {
                    await using var stream = File.OpenRead(file);
                    documents.Add((Path.GetFileName(file), extractors.Extract(stream, Path.GetFileName(file), limits: limits, cancellationToken: cancellationToken)));
                }
                catch (DocumentRejectedException)
                {
                    // A rejected file costs its extraction time and nothing more, as in real ingestion.
                }
            }

            var extract = clock.Elapsed;

            clock.Restart();
            var embedder = services.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>();
            var chunker = services.GetRequiredService<Chunker>();
            var modelLoad = clock.Elapsed;

            clock.Restart();
            var records = new List<(ChunkRecord Record, string Embedded)>();
            var window = (embedder.GetService(typeof(EmbeddingModelInfo)) as EmbeddingModelInfo)?.MaxInputTokens;
            foreach (var (name, document) in documents)
            {
                records.AddRange(ChunkContext.Chunk(chunker, document, name, ingestion.EmbedContext, window).Select(item => (new ChunkRecord(
                    Guid.NewGuid(), "bench", name, name, item.Chunk.Index, item.Chunk.PageStart, item.Chunk.PageEnd, item.Chunk.Text, []), item.EmbeddedText)));
            }

            var chunking = clock.Elapsed;

            clock.Restart();
            var vectors = new List<ChunkVector>();
            foreach (var batch in records.Chunk(64))
            {
                var embeddings = await embedder.GenerateAsync(batch.Select(r => r.Embedded), cancellationToken: cancellationToken);
                vectors.AddRange(batch.Select((item, i) => new ChunkVector(item.Record, embeddings[i].Vector)));
            }

            var embed = clock.Elapsed;

            clock.Restart();
            await services.GetRequiredService<IVectorStore>().UpsertAsync(vectors, cancellationToken);
            var write = clock.Elapsed;

            var pages = documents.Sum(d => d.Document.Sections.Select(s => s.Page).Distinct().Count());
            return new Result(
                files.Count, pages, records.Count, extract, chunking, modelLoad, embed, write,
                Process.GetCurrentProcess().PeakWorkingSet64);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(scratch, recursive: true);
        }
    }
}
