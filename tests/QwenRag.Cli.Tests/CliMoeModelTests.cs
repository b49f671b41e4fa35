using QwenRag.Tests;

namespace QwenRag.Cli.Tests;

/// <summary><c>model tiny --experts</c> and <c>model build</c> of a Qwen3-MoE / Qwen2-MoE checkpoint, then generation from it.</summary>
public sealed class CliMoeModelTests : IDisposable
{
    private readonly TemporaryDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Theory]
    [InlineData("qwen3", "fp32")]
    [InlineData("qwen2", "int4")]
    public async Task TinyMoe_BuildsAndGenerates(string arch, string dtype)
    {
        var checkpoint = Path.Combine(_directory.Path, $"{arch}-{dtype}-hf");
        var model = Path.Combine(_directory.Path, $"{arch}-{dtype}");
        var tiny = await QwenRagProcess.RunAsync(_directory.Path,
            "model", "tiny", "--out", checkpoint, "--arch", arch, "--layers", "3", "--hidden", "64", "--heads", "4", "--kv-heads", "2",
            "--vocab", "300", "--experts", "8", "--experts-per-token", "2", "--moe-intermediate", "32", "--decoder-sparse-step", "2",
            "--mlp-only-layers", "0", "--norm-topk-prob", "--fused-experts", "--dtype", "bf16");
        Assert.True(tiny.ExitCode == 0, tiny.Stderr);
        var config = File.ReadAllText(Path.Combine(checkpoint, "config.json"));
        Assert.Contains(arch == "qwen3" ? "Qwen3MoeForCausalLM" : "Qwen2MoeForCausalLM", config, StringComparison.Ordinal);
        var header = new byte[2048];
        using (var weights = File.OpenRead(Path.Combine(checkpoint, "model.safetensors")))
        {
            weights.ReadExactly(header);
        }

        Assert.Contains("\"BF16\"", System.Text.Encoding.ASCII.GetString(header), StringComparison.Ordinal);

        var build = await QwenRagProcess.RunAsync(_directory.Path, "model", "build", "--from", checkpoint, "--out", model, "--dtype", dtype, "--json");
        Assert.True(build.ExitCode == 0, build.Stderr);
        Assert.True(build.Json().GetProperty("peakPrivateBytes").GetInt64() > 0);

        var generate = await QwenRagProcess.RunAsync(_directory.Path,
            "generate", "--model", model, "--prompt-tokens", "1,2,3", "--max-tokens", "4", "--greedy", "--json");
        Assert.True(generate.ExitCode == 0, generate.Stderr);
        Assert.Equal(4, generate.Json().GetProperty("tokens").GetArrayLength());
    }
}
