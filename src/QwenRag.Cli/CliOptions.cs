using System.CommandLine;
using QwenRag.Core;
using QwenRag.Generation.Answering;
using QwenRag.Generation.Runtime;

namespace QwenRag.Cli;

/// <summary>Options several commands share.</summary>
internal static class CliOptions
{
    public static readonly Option<string?> Data = new("--data")
    {
        Description = $"Data directory (default: ${DataDirectory.EnvironmentVariable}, else ./data)",
        Recursive = true,
    };

    /// <summary>
    /// The Qdrant server (gRPC) holding the index instead of the embedded store; added to every command that opens
    /// the indexes. Without it, <c>QwenRag__Qdrant__Url</c> applies, else the embedded store.
    /// </summary>
    public static readonly Option<string?> Qdrant = new("--qdrant")
    {
        Description = "Qdrant gRPC URL (e.g. http://localhost:6334) holding the index; default: the embedded store",
        HelpName = "URL",
        Recursive = true,
    };

    /// <summary>
    /// The PostgreSQL database holding the catalog and the job queue instead of the data directory's SQLite file.
    /// Without it, <c>QwenRag__Postgres__ConnectionString</c> applies, else SQLite.
    /// </summary>
    public static readonly Option<string?> Postgres = new("--postgres")
    {
        Description = "Npgsql connection string of the PostgreSQL database holding the catalog and job queue (e.g. \"Host=db;Database=qwenrag;Username=qwenrag\"); default: the data directory's SQLite file",
        HelpName = "CONNSTRING",
        Recursive = true,
    };

    /// <summary>
    /// A reranking model folder whose scores reorder each search's fused candidates; added to every command that
    /// searches. Without it, <c>QwenRag__Reranking__Model</c> applies, else no reranking.
    /// </summary>
    public static readonly Option<string?> Reranker = new("--reranker")
    {
        Description = "Rerank each search's fused candidates with the model in this folder (a cross-encoder ONNX folder or a Qwen3-Reranker checkpoint); default: no reranking",
        HelpName = "DIR",
        Recursive = true,
    };

    /// <summary>
    /// The embedding model: a shipped name (all-MiniLM-L6-v2 / minilm, snowflake-arctic-embed-xs / arctic-xs) or a
    /// sentence-transformers ONNX folder. Without it, <c>QwenRag__Embedding__Model</c> applies, else the default.
    /// With <c>reindex</c>, the model the set is re-embedded with.
    /// </summary>
    public static readonly Option<string?> Embedding = new("--embedding")
    {
        Description = $"Embedding model: a shipped name ({Retrieval.Embeddings.SentenceEmbeddingModel.ShippedNames}) or a model folder; default {Retrieval.EmbeddingOptions.DefaultModel}",
        HelpName = "NAME|DIR",
        Recursive = true,
    };

    /// <summary>Configuration overrides from the command line (<c>--qdrant</c>, <c>--postgres</c>, <c>--embedding</c>, <c>--reranker</c>), as configuration keys.</summary>
    public static Dictionary<string, string?> ConfigurationOverrides(ParseResult parse)
    {
        var overrides = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        if (parse.GetResult(Qdrant)?.GetValueOrDefault<string?>() is { Length: > 0 } url)
        {
            overrides["QwenRag:Qdrant:Url"] = url;
        }

        if (parse.GetResult(Postgres)?.GetValueOrDefault<string?>() is { Length: > 0 } connectionString)
        {
            overrides["QwenRag:Postgres:ConnectionString"] = connectionString;
        }

        if (parse.GetResult(Embedding)?.GetValueOrDefault<string?>() is { Length: > 0 } embedding)
        {
            overrides["QwenRag:Embedding:Model"] = embedding;
        }

        if (parse.GetResult(Reranker)?.GetValueOrDefault<string?>() is { Length: > 0 } reranker)
        {
            overrides["QwenRag:Reranking:Model"] = reranker;
        }

        return overrides;
    }

    public static Option<bool> Json() => new("--json")
    {
        Description = "Print one JSON document on stdout and nothing else there",
    };

    public static Option<string> Set()
    {
        var option = new Option<string>("--set") { Description = "Document set name", Required = true };
        option.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<string>();
            if (!SetName.IsValid(value))
            {
                result.AddError($"Invalid set name '{value}': {SetName.Rule}.");
            }
        });
        return option;
    }

    /// <summary>Passages to return or answer from; the limits are <see cref="QueryLimits"/>'s, as in the REST API.</summary>
    public static Option<int> Top(int defaultValue)
    {
        var option = new Option<int>("--top")
        {
            Description = $"Number of passages (1-{QueryLimits.MaxTop}, default {defaultValue})",
            DefaultValueFactory = _ => defaultValue,
        };
        option.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<int>();
            if (!QueryLimits.IsValidTop(value))
            {
                result.AddError($"--top must be {QueryLimits.TopRule} (was {value}).");
            }
        });
        return option;
    }

    /// <summary>A whole number option between <paramref name="min"/> and <paramref name="max"/>.</summary>
    public static Option<int> Bounded(string name, int min, int max, int defaultValue, string description)
    {
        var option = new Option<int>(name)
        {
            Description = $"{description} ({min}-{max}, default {defaultValue})",
            DefaultValueFactory = _ => defaultValue,
        };
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() is var value && (value < min || value > max))
            {
                result.AddError($"{name} must be between {min} and {max}.");
            }
        });
        return option;
    }

    public static Option<string[]> Tags() => new("--tag")
    {
        Description = "Tag (repeatable)",
        AllowMultipleArgumentsPerToken = false,
    };

    /// <summary>A Qwen model folder (model.onnx, genai_config.json, tokenizer.json) to answer with.</summary>
    public static Option<string?> AnswerModel() => new("--model")
    {
        Description = "Answer with the Qwen model in this folder; without it answers are extractive",
    };

    /// <summary>Where a Qwen model runs: <c>cpu</c> (default) or <c>cuda</c>, any case.</summary>
    public static Option<ExecutionDevice> Device() => new("--device")
    {
        Description = "Run the Qwen model on the CPU or CUDA (which falls back to the CPU, saying why, when it cannot be used)",
        HelpName = QwenModelOptions.DeviceNames,
        DefaultValueFactory = _ => ExecutionDevice.Cpu,
        CustomParser = result =>
        {
            if (result.Tokens.Count == 0)
            {
                return ExecutionDevice.Cpu;
            }

            var text = result.Tokens[^1].Value;
            if (QwenModelOptions.TryParseDevice(text, out var device))
            {
                return device;
            }

            result.AddError($"--device must be cpu or cuda (was '{text}').");
            return default;
        },
    };

    /// <summary>
    /// The answering model of <paramref name="model"/> run on <paramref name="device"/>, or null (extractive answers)
    /// when no model was given.
    /// </summary>
    public static QwenModelOptions? AnswerModelOptions(ParseResult parse, Option<string?> model, Option<ExecutionDevice> device) =>
        parse.GetValue(model) is { Length: > 0 } directory
            ? new QwenModelOptions { Directory = directory, Runtime = new QwenRuntimeOptions { Device = parse.GetValue(device) } }
            : null;
}
