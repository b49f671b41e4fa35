using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.Hosting;
using QwenRag.Api;
using QwenRag.Core;
using QwenRag.Generation.Answering;
using QwenRag.Generation.Generation;
using QwenRag.Generation.Runtime;

namespace QwenRag.Cli.Commands;

/// <summary><c>qwenrag serve</c>: the REST API, the admin console and the ingestion worker, until stopped.</summary>
internal sealed class ServeCommand : Command
{
    /// <summary>The largest --kv-cache-mib (1 TiB), so its bytes never overflow.</summary>
    private const long MaxKvCacheMib = 1L << 20;

    private readonly Option<string> _urls = new("--urls")
    {
        Description = $"Where to listen (default {QwenRagApi.DefaultUrl}); beyond loopback only with API keys configured",
    };

    private readonly Option<string?> _model = CliOptions.AnswerModel();
    private readonly Option<ExecutionDevice> _device = CliOptions.Device();

    private readonly Option<int?> _maxQueued = new("--max-queued")
    {
        Description = $"Questions that may wait for the model (default {QwenModelOptions.DefaultMaxQueuedRequests}); " +
            "beyond them a question gets 429",
        HelpName = "N",
    };

    private readonly Option<int?> _maxBatch = new("--max-batch")
    {
        Description = $"Questions the model answers together, decoded in the same passes (default {GenerationSchedulerOptions.DefaultMaxBatch})",
        HelpName = "N",
    };

    private readonly Option<long?> _kvCacheMib = new("--kv-cache-mib")
    {
        Description = $"KV cache memory the questions being answered may need together, in MiB (default {GenerationSchedulerOptions.DefaultKvCacheBytes >> 20}); " +
            "a question that does not fit waits",
        HelpName = "MIB",
    };

    public ServeCommand()
        : base("serve", "Run the REST API and the ingestion worker over the data directory")
    {
        _maxQueued.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int?>() is < 0)
            {
                result.AddError("--max-queued must be 0 or more.");
            }
        });
        _maxBatch.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int?>() is < 1 or > GenerationSchedulerOptions.MaxBatchLimit)
            {
                result.AddError($"--max-batch must be between 1 and {GenerationSchedulerOptions.MaxBatchLimit}.");
            }
        });
        _kvCacheMib.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<long?>() is < 1 or > MaxKvCacheMib)
            {
                result.AddError($"--kv-cache-mib must be between 1 and {MaxKvCacheMib}.");
            }
        });
        Options.Add(CliOptions.Qdrant);
        Options.Add(CliOptions.Postgres);
        Options.Add(CliOptions.Reranker);
        Options.Add(_urls);
        Options.Add(_model);
        Options.Add(_device);
        Options.Add(_maxQueued);
        Options.Add(_maxBatch);
        Options.Add(_kvCacheMib);
        SetAction(RunAsync);
    }

    private async Task<int> RunAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        // The host stops gracefully on Ctrl+C/SIGTERM; System.CommandLine would otherwise end the process 2 s in.
        parse.InvocationConfiguration.ProcessTerminationTimeout = null;
        var data = DataDirectory.Resolve(parse.GetValue(CliOptions.Data));
        var args = new List<string> { "--QwenRag:DataDirectory", data.Root };
        if (parse.GetValue(_urls) is { Length: > 0 } listen)
        {
            args.AddRange(["--urls", listen]);
        }

        foreach (var (key, value) in CliOptions.ConfigurationOverrides(parse))
        {
            args.AddRange([$"--{key}", value!]);
        }

        if (parse.GetValue(_model) is { Length: > 0 } modelDirectory)
        {
            args.AddRange(["--QwenRag:ModelDirectory", Path.GetFullPath(modelDirectory)]);
        }

        // Passed only when given, so that appsettings.json and environment variables still apply otherwise.
        if (parse.GetResult(_device) is { Implicit: false })
        {
            args.AddRange([$"--{GenerationOptions.SectionName}:Device", parse.GetValue(_device).ToString().ToLowerInvariant()]);
        }

        if (parse.GetValue(_maxQueued) is { } queued)
        {
            args.AddRange([$"--{GenerationOptions.SectionName}:MaxQueuedRequests", queued.ToString(CultureInfo.InvariantCulture)]);
        }

        if (parse.GetValue(_maxBatch) is { } batch)
        {
            args.AddRange([$"--{GenerationOptions.SectionName}:MaxBatch", batch.ToString(CultureInfo.InvariantCulture)]);
        }

        if (parse.GetValue(_kvCacheMib) is { } mib)
        {
            args.AddRange([$"--{GenerationOptions.SectionName}:KvCacheBytes", (mib << 20).ToString(CultureInfo.InvariantCulture)]);
        }

        try
        {
            await using var app = QwenRagApi.Build([.. args]);
            await app.StartAsync(cancellationToken);
            await app.WaitForShutdownAsync(cancellationToken);
            return 0;
        }
        catch (ArgumentException ex)
        {
            // Configuration (appsettings.json, environment variables) holds a value that does not bind: say so.
            throw new CommandFailedException($"invalid configuration: {ex.Message}", ex);
        }
    }
}
