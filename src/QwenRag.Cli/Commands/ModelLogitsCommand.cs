using System.CommandLine;
using System.Globalization;
using QwenRag.Generation.Runtime;

namespace QwenRag.Cli.Commands;

/// <summary><c>qwenrag model logits</c>: the logits of every input position, prefilled and then one token at a time through the KV cache.</summary>
internal sealed class ModelLogitsCommand : Command
{
    private readonly Option<string> _model = new("--model") { Description = "Folder written by 'model build'", Required = true };
    private readonly Option<string> _tokens = new("--tokens") { Description = "Comma-separated token ids, e.g. 1,2,3", Required = true };
    private readonly Option<int?> _prefill = new("--prefill") { Description = "Tokens in the first pass; the rest go one by one through the KV cache" };
    private readonly Option<bool> _json = CliOptions.Json();

    public ModelLogitsCommand()
        : base("logits", "Run the ONNX model and print the logits of every input position")
    {
        Options.Add(_model);
        Options.Add(_tokens);
        Options.Add(_prefill);
        Options.Add(_json);
        SetAction(Run);
    }

    private int Run(ParseResult parse)
    {
        var ids = TokenIdList.Parse(parse.GetValue(_tokens)!, "--tokens");
        using var onnx = new QwenOnnxModel(parse.GetValue(_model)!);
        var logits = Logits(onnx, ids, parse.GetValue(_prefill));
        if (parse.GetValue(_json))
        {
            JsonOutput.Write(new { logits });
            return 0;
        }

        for (var i = 0; i < logits.Length; i++)
        {
            var row = logits[i];
            var best = 0;
            for (var j = 1; j < row.Length; j++)
            {
                if (row[j] > row[best])
                {
                    best = j;
                }
            }

            Console.WriteLine($"position {i} token {ids[i]}: argmax {best} ({row[best].ToString("0.0000", CultureInfo.InvariantCulture)})");
        }

        return 0;
    }

    /// <summary>
    /// The first <paramref name="prefill"/> tokens (default: all) in one pass, the rest one per pass, each reusing the
    /// cache of the pass before: how generation runs, so that cached and uncached logits can be compared.
    /// </summary>
    /// <remarks>
    /// With dynamic NTK scaling, cached keys keep the rotation of the step that computed them (as Hugging Face's
    /// cached generation does), so incremental logits differ from a full pass once the length passes
    /// original_max_position_embeddings.
    /// </remarks>
    private static float[][] Logits(QwenOnnxModel model, int[] ids, int? prefill)
    {
        var first = prefill ?? ids.Length;
        if (first < 1 || first > ids.Length)
        {
            throw new ArgumentException($"--prefill must be between 1 and {ids.Length} (was {first}).");
        }

        using var cache = model.CreateCache(ids.Length);
        var rows = new List<float[]>(model.Score(cache, ids.AsSpan(0, first)));
        for (var i = first; i < ids.Length; i++)
        {
            rows.AddRange(model.Score(cache, ids.AsSpan(i, 1)));
        }

        return [.. rows];
    }
}
