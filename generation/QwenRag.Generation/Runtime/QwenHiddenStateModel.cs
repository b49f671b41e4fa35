using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.ML.OnnxRuntime;
using QwenRag.Core;
using QwenRag.Generation.Onnx;

namespace QwenRag.Generation.Runtime;

/// <summary>
/// One ONNX Runtime session over a <see cref="QwenGraphKind.HiddenStates"/> graph: a batch of token sequences in,
/// the final-norm hidden state of each sequence's last token out (what last-token pooling and a reranker's
/// yes/no head read). Sequences are right-padded, so every real token keeps its position and, attention being
/// causal, never sees the padding. Thread-safe; <see cref="Dispose"/> frees the session once passes running on
/// other threads have finished.
/// </summary>
public sealed class QwenHiddenStateModel : IDisposable
{
    private const long PaddingToken = 0;

    private readonly SessionOptions _sessionOptions;
    private readonly InferenceSession _session;
    private readonly LastUserRelease _lifetime;

    /// <param name="modelDirectory">A folder the builder wrote with <see cref="QwenGraphKind.HiddenStates"/>.</param>
    /// <param name="options">The device asked for and the CPU threads.</param>
    /// <param name="logger">Receives the device chosen and why.</param>
    /// <exception cref="InvalidDataException">The folder holds another kind of graph.</exception>
    public QwenHiddenStateModel(string modelDirectory, QwenRuntimeOptions? options = null, ILogger? logger = null)
    {
        options ??= new QwenRuntimeOptions();
        logger ??= NullLogger.Instance;
        var modelPath = Path.Combine(modelDirectory, QwenOnnxBuilder.ModelFileName);
        if (!File.Exists(modelPath))
        {
            throw new FileNotFoundException($"No {QwenOnnxBuilder.ModelFileName} in {modelDirectory}.", modelPath);
        }

        if (QwenOnnxGraph.Metadata(modelPath, QwenOnnxBuilder.GraphKindKey) != "hidden_states")
        {
            throw new InvalidDataException($"{modelPath} is not a hidden-state graph (build it with {nameof(QwenGraphKind)}.{nameof(QwenGraphKind.HiddenStates)}).");
        }

        ContextLength = int.Parse(
            QwenOnnxGraph.Metadata(modelPath, QwenOnnxBuilder.ContextLengthKey) ?? throw new InvalidDataException($"{modelPath} has no context length."),
            CultureInfo.InvariantCulture);
        var choice = DeviceChoice.Choose(options, QwenOnnxGraph.ActivationType(modelPath), OrtEnv.Instance().GetAvailableProviders());
        (_sessionOptions, _session, choice) = QwenSessions.Open(modelPath, options, choice);
        Device = choice.Device;
        DeviceReason = choice.Reason;
        logger.LogInformation("Qwen hidden-state model {Directory} runs on {Device}: {Reason}.", modelDirectory, choice.Device, choice.Reason);
        HiddenSize = _session.OutputMetadata[QwenOnnxBuilder.HiddenStatesOutput].Dimensions[2];
        _lifetime = new LastUserRelease(nameof(QwenHiddenStateModel), () =>
        {
            _session.Dispose();
            _sessionOptions.Dispose();
        });
    }

    /// <summary>Where the model runs.</summary>
    public ExecutionDevice Device { get; }

    /// <summary>Why it runs there.</summary>
    public string DeviceReason { get; }

    public int HiddenSize { get; }

    /// <summary>The longest sequence the rotary tables cover.</summary>
    public int ContextLength { get; }

    /// <summary>
    /// The final-norm hidden state at the last token of each sequence (one pass, padded to the longest). The caller
    /// bounds the batch: the pass holds batch x longest x hidden floats and attention scores per head.
    /// </summary>
    /// <exception cref="ArgumentException">A sequence is empty or longer than <see cref="ContextLength"/>.</exception>
    /// <exception cref="ObjectDisposedException">The model has been disposed.</exception>
    public float[][] LastHiddenStates(IReadOnlyList<IReadOnlyList<int>> sequences)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        if (sequences.Count == 0)
        {
            return [];
        }

        var longest = 0;
        foreach (var sequence in sequences)
        {
            if (sequence.Count == 0 || sequence.Count > ContextLength)
            {
                throw new ArgumentException($"Every sequence needs between 1 and {ContextLength} tokens (had {sequence.Count}).", nameof(sequences));
            }

            longest = Math.Max(longest, sequence.Count);
        }

        var batch = sequences.Count;
        var ids = new long[batch * longest];
        var mask = new long[batch * longest];
        Array.Fill(ids, PaddingToken);
        for (var b = 0; b < batch; b++)
        {
            var sequence = sequences[b];
            for (var t = 0; t < sequence.Count; t++)
            {
                ids[(b * longest) + t] = sequence[t];
                mask[(b * longest) + t] = 1;
            }
        }

        var run = _lifetime.Enter();
        try
        {
            using var idsValue = OrtValue.CreateTensorValueFromMemory(ids, [batch, longest]);
            using var maskValue = OrtValue.CreateTensorValueFromMemory(mask, [batch, longest]);
            using var runOptions = new RunOptions();
            using var outputs = _session.Run(
                runOptions, ["input_ids", "attention_mask"], [idsValue, maskValue], [QwenOnnxBuilder.HiddenStatesOutput]);
            var hidden = outputs[0].GetTensorDataAsSpan<float>();
            var result = new float[batch][];
            for (var b = 0; b < batch; b++)
            {
                var last = (b * longest) + sequences[b].Count - 1;
                result[b] = hidden.Slice(last * HiddenSize, HiddenSize).ToArray();
            }

            return result;
        }
        finally
        {
            run.Dispose();
        }
    }

    public void Dispose() => _lifetime.Dispose();



}
