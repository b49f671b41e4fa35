using System.Security.Cryptography;
using System.Text;
using QwenRag.Generation.Checkpoints;
using QwenRag.Generation.Onnx;

namespace QwenRag.Generation.RetrievalModels;

/// <summary>
/// Where checkpoints converted to hidden-state graphs are kept (under the data directory, so a read-only checkpoint
/// folder is never written to): one folder per checkpoint and precision, named after the checkpoint's folder and a
/// fingerprint of its config and safetensors files (name, size, modification time), so a changed checkpoint is
/// converted again. A conversion is written to a temporary folder and renamed into place, so a half-written graph is
/// never found, and two processes converting at once both end with one complete folder.
/// </summary>
public sealed class Qwen3GraphCache
{
    /// <summary>Part of the fingerprint: raise it when the builder's hidden-state graph changes.</summary>
    private const int GraphVersion = 1;

    private static readonly Lock BuildLock = new();

    /// <param name="root">The cache folder, e.g. <c>{data}/models</c>.</param>
    public Qwen3GraphCache(string root)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        Root = Path.GetFullPath(root);
    }

    public string Root { get; }

    /// <summary>The folder of <paramref name="checkpointDirectory"/>'s hidden-state graph, converted now if it is not cached.</summary>
    /// <exception cref="ArgumentException">The checkpoint cannot be converted (names why).</exception>
    public string HiddenStates(string checkpointDirectory, OnnxPrecision precision)
    {
        var checkpoint = Path.GetFullPath(checkpointDirectory);
        var target = Path.Combine(Root, $"{Qwen3Folder.ModelId(checkpoint)}-{Fingerprint(checkpoint, precision)}");
        if (File.Exists(Path.Combine(target, QwenOnnxBuilder.ModelFileName)))
        {
            return target;
        }

        lock (BuildLock)
        {
            if (File.Exists(Path.Combine(target, QwenOnnxBuilder.ModelFileName)))
            {
                return target;
            }

            var temporary = $"{target}.tmp-{Guid.NewGuid():N}";
            try
            {
                QwenOnnxBuilder.Build(checkpoint, temporary, precision, kind: QwenGraphKind.HiddenStates);
                try
                {
                    Directory.Move(temporary, target);
                }
                catch (IOException) when (File.Exists(Path.Combine(target, QwenOnnxBuilder.ModelFileName)))
                {
                    // Another process converted it first.
                }
            }
            catch (CheckpointException exception)
            {
                throw new ArgumentException($"The Qwen3 checkpoint '{checkpoint}' cannot be converted: {exception.Message}.", exception);
            }
            finally
            {
                if (Directory.Exists(temporary))
                {
                    Directory.Delete(temporary, recursive: true);
                }
            }

            return target;
        }
    }

    private static string Fingerprint(string checkpoint, OnnxPrecision precision)
    {
        var text = new StringBuilder().Append(GraphVersion).Append('|').Append(precision).Append('|').Append(checkpoint);
        var files = Directory.EnumerateFiles(checkpoint)
            .Where(path => path.EndsWith(".safetensors", StringComparison.Ordinal) || Path.GetFileName(path) is SafetensorsCheckpoint.ConfigFileName or SafetensorsCheckpoint.IndexFileName)
            .Order(StringComparer.Ordinal);
        foreach (var file in files)
        {
            var info = new FileInfo(file);
            text.Append('|').Append(info.Name).Append(':').Append(info.Length).Append(':').Append(info.LastWriteTimeUtc.Ticks);
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..16];
    }
}
