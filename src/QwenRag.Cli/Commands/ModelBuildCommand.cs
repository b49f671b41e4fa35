using System.CommandLine;
using System.Diagnostics;
using QwenRag.Generation.Onnx;

namespace QwenRag.Cli.Commands;

/// <summary><c>qwenrag model build</c>: a Qwen2/Qwen3 checkpoint converted to an ONNX Runtime model folder.</summary>
internal sealed class ModelBuildCommand : Command
{
    private readonly Option<string> _from = new("--from") { Description = "Hugging Face checkpoint folder (config.json + *.safetensors)", Required = true };
    private readonly Option<string> _output = new("--out") { Description = "Folder for model.onnx, model.onnx.data and genai_config.json", Required = true };
    private readonly Option<string> _dtype = new("--dtype") { Description = "fp32, fp16 or int4", DefaultValueFactory = _ => "fp32" };
    private readonly Option<bool> _genai = new("--genai-compatible")
    {
        Description = "Full-length KV caches on sliding-window layers too: onnxruntime-genai can run a window-sized cache only when " +
            "its max_length reaches the window (by default those layers get a window-sized cache whose memory does not grow with the context)",
    };

    private readonly Option<bool> _json = CliOptions.Json();

    public ModelBuildCommand()
        : base("build", "Convert a Qwen2/Qwen3 (dense or MoE) checkpoint to an ONNX Runtime model")
    {
        _dtype.AcceptOnlyFromAmong("fp32", "fp16", "int4");
        Options.Add(_from);
        Options.Add(_output);
        Options.Add(_dtype);
        Options.Add(_genai);
        Options.Add(_json);
        SetAction(Run);
    }

    private int Run(ParseResult parse)
    {
        var precision = parse.GetValue(_dtype) switch
        {
            "fp16" => OnnxPrecision.Fp16,
            "int4" => OnnxPrecision.Int4,
            _ => OnnxPrecision.Fp32,
        };
        var (result, privatePeak) = PrivateMemoryPeak.Measure(
            () => QwenOnnxBuilder.Build(parse.GetValue(_from)!, parse.GetValue(_output)!, precision, windowedCache: !parse.GetValue(_genai)));

        using var process = Process.GetCurrentProcess();
        var peak = process.PeakWorkingSet64;
        if (parse.GetValue(_json))
        {
            JsonOutput.Write(new
            {
                model = result.ModelPath,
                data = result.DataPath,
                modelBytes = result.ModelBytes,
                dataBytes = result.DataBytes,
                contextLength = result.ContextLength,
                ropeTablesAreInputs = result.RopeTablesAreInputs,
                windowCachedLayers = result.WindowCachedLayers,
                seconds = result.Elapsed.TotalSeconds,
                peakWorkingSetBytes = peak,
                peakPrivateBytes = privatePeak,
            });
            return 0;
        }

        Console.WriteLine($"wrote {result.ModelPath} ({result.ModelBytes:N0} bytes) and {result.DataPath} ({result.DataBytes:N0} bytes)");
        var privateText = privatePeak is long bytes ? $" (private {bytes / (1024 * 1024)} MiB; the rest is the memory-mapped checkpoint)" : "";
        Console.WriteLine($"  {result.Elapsed.TotalSeconds:0.0} s, peak working set {peak / (1024 * 1024)} MiB{privateText}, context {result.ContextLength}");
        if (result.RopeTablesAreInputs)
        {
            Console.WriteLine("  dynamic NTK RoPE: cos_cache/sin_cache are inputs supplied per step by QwenRag; onnxruntime-genai cannot run it");
        }

        if (result.WindowCachedLayers > 0)
        {
            Console.WriteLine($"  {result.WindowCachedLayers} sliding-window layers keep a window-sized KV cache " +
                "(onnxruntime-genai runs it only with max_length >= the window; see --genai-compatible)");
        }

        return 0;
    }
}
