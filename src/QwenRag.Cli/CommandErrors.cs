using System.CommandLine;
using System.CommandLine.Invocation;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntimeGenAI;
using QwenRag.Core;
using QwenRag.Generation.Checkpoints;

namespace QwenRag.Cli;

/// <summary>
/// The CLI's one error policy, applied at the root to every command: a failure the user can act on (bad arguments,
/// an unknown set, a missing file or model folder, a model that does not load, a server that does not answer) is one
/// <c>error: ...</c> line on stderr and exit code 1; so is cancellation (<c>error: cancelled</c>). Anything else is a
/// bug: the same first line, then the exception for the report, and exit code 1. Nothing goes to stdout, so
/// <c>--json</c> output is never mixed with an error.
/// </summary>
internal static class CommandErrors
{
    public const int Failure = 1;

    /// <summary>Runs what <paramref name="parse"/> asks for under this policy.</summary>
    public static async Task<int> InvokeAsync(ParseResult parse, CancellationToken cancellationToken = default)
    {
        if (parse.Action is ParseErrorAction)
        {
            foreach (var error in parse.Errors)
            {
                Report(error.Message);
            }

            return Failure;
        }

        try
        {
            return await parse.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false }, cancellationToken);
        }
        catch (Exception exception) when (UserMessage(exception) is { } message)
        {
            return Report(message);
        }
        catch (Exception exception)
        {
            Report($"unexpected {exception.GetType().Name}: {exception.Message}");
            Console.Error.WriteLine(exception);
            return Failure;
        }
    }

    /// <summary>What to tell the user about <paramref name="exception"/>, or null when it is a bug.</summary>
    internal static string? UserMessage(Exception exception) => exception switch
    {
        // HttpClient's timeout is a TaskCanceledException too, but nobody cancelled anything.
        TaskCanceledException { InnerException: TimeoutException timeout } => timeout.Message,
        OperationCanceledException => "cancelled",
        CommandFailedException or UnknownSetException or CheckpointException => exception.Message,
        ArgumentNullException => null,
        ArgumentException or FormatException or JsonException => exception.Message,
        IOException or InvalidDataException or UnauthorizedAccessException => exception.Message,
        OnnxRuntimeException => $"ONNX Runtime: {exception.Message}",
        OnnxRuntimeGenAIException => $"onnxruntime-genai: {exception.Message}",
        OptionsValidationException => exception.Message,
        VectorStoreUnavailableException or VectorStoreException or CatalogUnavailableException or RerankingFailedException => exception.Message,
        HttpRequestException or TimeoutException => exception.Message,

        // The libraries use it for a state the user caused (serving beyond loopback without keys, a model that cannot
        // run what was asked); a disposed object is a bug.
        ObjectDisposedException => null,
        InvalidOperationException => exception.Message,
        _ => null,
    };

    private static int Report(string message)
    {
        Console.Error.WriteLine($"error: {message}");
        return Failure;
    }
}
