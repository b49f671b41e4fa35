using QwenRag.Core;

namespace QwenRag.Cli;

/// <summary>Turns the failures a user can cause into one line on stderr and an exit code.</summary>
internal static class CommandErrors
{
    public const int Failure = 1;

    public static async Task<int> RunAsync(Func<Task<int>> action)
    {
        try
        {
            return await action();
        }
        catch (UnknownSetException ex)
        {
            return Report(ex.Message);
        }
        catch (ArgumentException ex)
        {
            return Report(ex.Message);
        }
        catch (FileNotFoundException ex)
        {
            return Report(ex.Message);
        }
        catch (InvalidDataException ex)
        {
            return Report(ex.Message);
        }
        catch (Microsoft.ML.OnnxRuntime.OnnxRuntimeException ex)
        {
            return Report($"ONNX Runtime: {ex.Message}");
        }
        catch (OperationCanceledException)
        {
            return Report("cancelled");
        }
    }

    public static int Report(string message)
    {
        Console.Error.WriteLine($"error: {message}");
        return Failure;
    }
}
