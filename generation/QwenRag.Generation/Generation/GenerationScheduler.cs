using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using QwenRag.Core;
using QwenRag.Core.Telemetry;
using QwenRag.Generation.Runtime;

namespace QwenRag.Generation.Generation;

/// <summary>
/// Runs every generation of one <see cref="QwenOnnxModel"/> on one thread, decoding the next token of all running
/// sequences in the same pass (continuous batching): each sequence holds a slot of a <see cref="KvSlots"/> while it
/// runs; a new one is prefilled alone (GroupQueryAttention takes several new tokens after a past only at batch 1) in
/// chunks of <see cref="GenerationSchedulerOptions.PrefillChunk"/> tokens, one chunk between two decode steps, and
/// then joins the batch; a finished or cancelled one leaves at once and its slot takes the next. Sampling, stops and
/// seeds are per sequence (<see cref="SequenceDecoder"/>), so greedy tokens in a batch are those of the request alone.
/// </summary>
/// <remarks>
/// Admission is by memory: a request is admitted, first come first served, when a slot is free and its KV need
/// (prompt plus max new tokens, <see cref="QwenOnnxModel.KvCacheBytes"/>) fits beside the running ones' within
/// <see cref="GenerationSchedulerOptions.KvCacheBytes"/>; otherwise it waits, and beyond
/// <see cref="GenerationSchedulerOptions.MaxQueuedRequests"/> waiting it is refused with <see cref="ModelBusyException"/>
/// before its first token. A pass binds a run of consecutive slots; a free slot inside the run decodes a dummy token
/// (its cache is rewritten by the next prefill), and the slot being prefilled splits the run in two.
/// </remarks>
public sealed partial class GenerationScheduler : IDisposable
{
    private readonly QwenOnnxModel _model;
    private readonly GenerationSchedulerOptions _options;
    private readonly Func<IReadOnlyList<int>, string>? _decode;
    private readonly ILogger _logger;
    private readonly KvSlots _slots;
    private readonly Lock _lock = new();
    private readonly LinkedList<Sequence> _waiting = new();
    private readonly List<Sequence> _prefilling = [];
    private readonly Sequence?[] _occupants;
    private readonly SemaphoreSlim _wake = new(0);
    private readonly Thread _loop;
    private long _kvInUse;
    private long _steps;
    private long _decodedTokens;
    private long _decodeTicks;
    private int _peakBatch;
    private bool _stopping;

    /// <param name="model">The model; it must outlive this scheduler.</param>
    /// <param name="options">Batch size, KV budget, queue bound and prefill chunk.</param>
    /// <param name="decode">Generated tokens to text, needed only for <see cref="SamplingOptions.StopStrings"/>.</param>
    /// <param name="logger">Receives the slots reserved and refused requests.</param>
    /// <exception cref="ArgumentException">An option is out of range, or the KV budget holds no token.</exception>
    public GenerationScheduler(
        QwenOnnxModel model, GenerationSchedulerOptions? options = null, Func<IReadOnlyList<int>, string>? decode = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        options ??= new GenerationSchedulerOptions();
        options.Validate();
        _model = model;
        _options = options;
        _decode = decode;
        _logger = logger ?? NullLogger.Instance;
        // On the CPU a slot's pages are committed only as its positions are written, so one slot may take the whole
        // budget and admission keeps the total within it; on CUDA every slot is allocated up front, so they share it.
        var slotBudget = model.Device == ExecutionDevice.Cuda ? options.KvCacheBytes / options.MaxBatch : options.KvCacheBytes;
        _slots = model.CreateSlots(options.MaxBatch, SlotTokens(model, slotBudget));
        _occupants = new Sequence?[_slots.Slots];
        LogSlots(_slots.Slots, _slots.Capacity, _slots.Bytes, options.KvCacheBytes);
        _loop = new Thread(Loop) { IsBackground = true, Name = "Qwen generation scheduler" };
        _loop.Start();
    }

    /// <summary>Sequences decoded together at most.</summary>
    public int MaxBatch => _slots.Slots;

    /// <summary>The most tokens (prompt plus max new tokens) one request may need.</summary>
    public int SlotCapacity => _slots.Capacity;

    /// <summary>Memory the slots reserve (on the CPU, committed as positions are written).</summary>
    public long ReservedBytes => _slots.Bytes;

    /// <summary>The KV memory running sequences may need together.</summary>
    public long KvBytesBudget => _options.KvCacheBytes;

    /// <summary>Requests allowed to wait.</summary>
    public int MaxQueued => _options.MaxQueuedRequests;

    /// <summary>Admitted sequences (prefilling or decoding).</summary>
    public int Running
    {
        get
        {
            lock (_lock)
            {
                return _occupants.Count(occupant => occupant is not null);
            }
        }
    }

    /// <summary>Requests waiting for a slot or for KV memory.</summary>
    public int Waiting
    {
        get
        {
            lock (_lock)
            {
                return _waiting.Count;
            }
        }
    }

    /// <summary>The KV need of the admitted sequences.</summary>
    public long KvBytesInUse
    {
        get
        {
            lock (_lock)
            {
                return _kvInUse;
            }
        }
    }

    /// <summary>
    /// Called on the scheduler's thread before each loop iteration with the decode steps run so far; lets tests
    /// make requests arrive at exact steps.
    /// </summary>
    internal Action<long>? BeforeIteration { get; set; }

    /// <summary>Runs one more loop iteration even when idle (for <see cref="BeforeIteration"/>).</summary>
    internal void Wake() => _wake.Release();

    /// <summary>Decode steps run so far (one step decodes every decoding sequence once).</summary>
    public long Steps => Interlocked.Read(ref _steps);

    /// <summary>Tokens decode steps have produced so far (one per decoding sequence and step; not the prompts' first tokens).</summary>
    public long DecodedTokens => Interlocked.Read(ref _decodedTokens);

    /// <summary>Time spent in decode steps so far (not in prefill chunks): with <see cref="DecodedTokens"/>, the decode rate of the batch.</summary>
    public TimeSpan DecodeTime => Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _decodeTicks));

    /// <summary>The most sequences one decode step has decoded so far.</summary>
    public int PeakBatch => Volatile.Read(ref _peakBatch);

    /// <summary>
    /// Streams new token ids. The request is checked at the call; it is queued when the stream is first moved, which
    /// throws <see cref="ModelBusyException"/> when as many requests as allowed already wait. Cancelling, or leaving the
    /// stream, takes the request out of the batch at the next step without disturbing the others.
    /// </summary>
    /// <exception cref="ArgumentException">
    /// The prompt is empty, the options are out of range, or prompt plus max new tokens exceed the context length or
    /// what a slot holds.
    /// </exception>
    public IAsyncEnumerable<int> GenerateAsync(IReadOnlyList<int> prompt, SamplingOptions? options = null, CancellationToken cancellationToken = default)
    {
        var decoder = SequenceDecoder.Start(prompt, options, _model, _decode);
        if (decoder.Positions > _slots.Capacity)
        {
            throw new ArgumentException(
                $"The prompt of {decoder.Prompt.Length} tokens plus {decoder.Positions - decoder.Prompt.Length} new tokens needs " +
                $"{_model.KvCacheBytes(decoder.Positions)} bytes of KV cache, more than the {_options.KvCacheBytes} allowed " +
                $"(at most {_slots.Capacity} tokens); shorten the prompt, ask for fewer new tokens, or raise KvCacheBytes.",
                nameof(prompt));
        }

        return Stream(new Sequence(decoder, _model.KvCacheBytes(decoder.Positions)), cancellationToken);
    }

    private async IAsyncEnumerable<int> Stream(Sequence sequence, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Enqueue(sequence);
        try
        {
            using var registration = cancellationToken.Register(() => Abandon(sequence));
            var reader = sequence.Tokens.Reader;
            while (await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (reader.TryRead(out var token))
                {
                    // Tokens already decoded stay unread once the caller has cancelled.
                    cancellationToken.ThrowIfCancellationRequested();
                    yield return token;
                }
            }
        }
        finally
        {
            Abandon(sequence);
        }
    }

    private void Enqueue(Sequence sequence)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_stopping, this);
            var node = _waiting.AddLast(sequence);
            sequence.Node = node;
            Admit();
            if (node.List is not null && _waiting.Count > _options.MaxQueuedRequests)
            {
                _waiting.Remove(node);
                var running = _occupants.Count(occupant => occupant is not null);
                LogRefused(running, _waiting.Count);
                throw new ModelBusyException(running, _waiting.Count);
            }
        }

        _wake.Release();
    }

    /// <summary>
    /// A waiting request leaves the queue; an admitted one gives its slot and memory back at once (a pass already
    /// running over its slot finishes, and what it writes there is overwritten by the next occupant's prefill).
    /// </summary>
    private void Abandon(Sequence sequence)
    {
        lock (_lock)
        {
            if (sequence.Node is { List: not null } node)
            {
                _waiting.Remove(node);
                sequence.Tokens.Writer.TryComplete();
                return;
            }

            Free(sequence, null);
        }

        // The freed slot may have admitted a waiting request, which the loop now prefills.
        _wake.Release();
    }

    /// <summary>Admits waiting requests in order while a slot is free and the next one's KV need fits (under the lock).</summary>
    private void Admit()
    {
        while (_waiting.First is { } first && first.Value.KvBytes <= _options.KvCacheBytes - _kvInUse)
        {
            var slot = FreeSlot();
            if (slot < 0)
            {
                return;
            }

            var sequence = first.Value;
            _waiting.RemoveFirst();
            sequence.Slot = slot;
            _occupants[slot] = sequence;
            _kvInUse += sequence.KvBytes;
            _prefilling.Add(sequence);
        }
    }

    /// <summary>
    /// The lowest free slot above every occupied one, so the decoding run stays whole; else the lowest free one
    /// (a hole, which splits the run only while it is prefilled); -1 when all are taken.
    /// </summary>
    private int FreeSlot()
    {
        var highest = Array.FindLastIndex(_occupants, occupant => occupant is not null);
        if (highest + 1 < _occupants.Length)
        {
            return highest + 1;
        }

        return Array.IndexOf(_occupants, null);
    }

    private void Loop()
    {
        var decoding = new List<Sequence>(_slots.Slots);
        while (true)
        {
            BeforeIteration?.Invoke(Steps);
            Sequence? prefill;
            lock (_lock)
            {
                if (_stopping)
                {
                    return;
                }

                Admit();
                prefill = _prefilling.FirstOrDefault();
                decoding.Clear();
                decoding.AddRange(_occupants.OfType<Sequence>().Where(occupant => occupant.Decoding));
            }

            if (prefill is null && decoding.Count == 0)
            {
                _wake.Wait();
                continue;
            }

            if (prefill is not null)
            {
                PrefillChunk(prefill);
            }

            if (decoding.Count > 0)
            {
                Decode(decoding, prefill);
            }
        }
    }

    private void PrefillChunk(Sequence sequence)
    {
        var prompt = sequence.Decoder.Prompt;
        var count = Math.Min(_options.PrefillChunk, prompt.Length - sequence.Length);
        float[] logits;
        try
        {
            logits = _model.Prefill(_slots, sequence.Slot, sequence.Length, prompt.AsSpan(sequence.Length, count));
        }
        catch (Exception ex)
        {
            Fail(sequence, ex);
            return;
        }

        sequence.Length += count;
        if (sequence.Length < prompt.Length)
        {
            return;
        }

        lock (_lock)
        {
            _prefilling.Remove(sequence);
            sequence.Decoding = true;
        }

        sequence.DecodeStarted = Stopwatch.GetTimestamp();
        Emit(sequence, logits);
    }

    /// <summary>One decode step of every decoding sequence, in as few passes as the slots allow.</summary>
    private void Decode(List<Sequence> decoding, Sequence? prefill)
    {
        Interlocked.Increment(ref _steps);
        Volatile.Write(ref _peakBatch, Math.Max(_peakBatch, decoding.Count));
        var started = Stopwatch.GetTimestamp();
        DecodeRuns(decoding, prefill);
        Interlocked.Add(ref _decodeTicks, Stopwatch.GetTimestamp() - started);
        Interlocked.Add(ref _decodedTokens, decoding.Count);
    }

    private void DecodeRuns(List<Sequence> decoding, Sequence? prefill)
    {
        if (!_model.BatchesRows)
        {
            foreach (var sequence in decoding)
            {
                DecodeRun(sequence.Slot, [sequence]);
            }

            return;
        }

        // Slots from the first to the last decoding one, split at the one being prefilled (its cache is half written).
        var split = prefill is { Length: > 0 } ? prefill.Slot : -1;
        var run = new List<Sequence>(decoding.Count);
        var first = -1;
        foreach (var sequence in decoding)
        {
            if (first >= 0 && split > first && split < sequence.Slot)
            {
                DecodeRun(first, run);
                run.Clear();
                first = -1;
            }

            if (first < 0)
            {
                first = sequence.Slot;
            }

            run.Add(sequence);
        }

        DecodeRun(first, run);
    }

    /// <summary>One pass over slots first to the last of <paramref name="run"/>; slots between them that hold no decoding sequence get a dummy row.</summary>
    private void DecodeRun(int first, List<Sequence> run)
    {
        var rows = run[^1].Slot - first + 1;
        var tokens = new int[rows];
        var pasts = new int[rows];
        foreach (var sequence in run)
        {
            tokens[sequence.Slot - first] = sequence.Next;
            pasts[sequence.Slot - first] = sequence.Length;
        }

        float[] logits;
        try
        {
            logits = _model.Decode(_slots, first, tokens, pasts);
        }
        catch (Exception ex)
        {
            foreach (var sequence in run)
            {
                Fail(sequence, ex);
            }

            return;
        }

        var vocab = _model.VocabSize;
        foreach (var sequence in run)
        {
            sequence.Length++;
            Emit(sequence, logits.AsSpan((sequence.Slot - first) * vocab, vocab));
        }
    }

    private void Emit(Sequence sequence, ReadOnlySpan<float> logits)
    {
        int? token;
        bool done;
        try
        {
            (token, done) = sequence.Decoder.Next(logits);
        }
        catch (Exception ex)
        {
            Fail(sequence, ex);
            return;
        }

        if (token is { } next)
        {
            sequence.Next = next;
            sequence.Tokens.Writer.TryWrite(next);
        }

        if (done)
        {
            lock (_lock)
            {
                Free(sequence, null);
            }
        }
    }

    private void Fail(Sequence sequence, Exception error)
    {
        LogFailed(error);
        lock (_lock)
        {
            Free(sequence, error);
        }
    }

    /// <summary>Gives the slot and KV memory back and ends the stream (under the lock).</summary>
    private void Free(Sequence sequence, Exception? error)
    {
        if (sequence.Slot < 0 || !ReferenceEquals(_occupants[sequence.Slot], sequence))
        {
            return;
        }

        if (sequence.Decoding)
        {
            QwenRagTelemetry.RecordDecodeRate(sequence.Decoder.Generated, Stopwatch.GetElapsedTime(sequence.DecodeStarted));
        }

        _occupants[sequence.Slot] = null;
        _prefilling.Remove(sequence);
        _kvInUse -= sequence.KvBytes;
        sequence.Decoding = false;
        sequence.Tokens.Writer.TryComplete(error);
        Admit();
    }

    /// <summary>The most tokens <paramref name="budget"/> bytes of KV cache hold, at most the context length.</summary>
    private static int SlotTokens(QwenOnnxModel model, long budget)
    {
        if (model.KvCacheBytes(1) > budget)
        {
            throw new ArgumentException($"KvCacheBytes {budget} holds no token: one needs {model.KvCacheBytes(1)} bytes of KV cache.");
        }

        int low = 1, high = model.ContextLength;
        while (low < high)
        {
            var middle = low + ((high - low + 1) / 2);
            if (model.KvCacheBytes(middle) <= budget)
            {
                low = middle;
            }
            else
            {
                high = middle - 1;
            }
        }

        return low;
    }

    /// <summary>
    /// Stops the loop after the pass it is in, ends every stream with <see cref="ObjectDisposedException"/> and frees
    /// the slots.
    /// </summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_stopping)
            {
                return;
            }

            _stopping = true;
        }

        _wake.Release();
        _loop.Join();
        lock (_lock)
        {
            var disposed = new ObjectDisposedException(nameof(GenerationScheduler), "The model was unloaded while this request was generating.");
            foreach (var sequence in _waiting)
            {
                sequence.Tokens.Writer.TryComplete(disposed);
            }

            _waiting.Clear();
            foreach (var occupant in _occupants)
            {
                if (occupant is not null)
                {
                    Free(occupant, disposed);
                }
            }
        }

        // The semaphore is not disposed: a stream unwinding after this may still release it.
        _slots.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Qwen generation: {Slots} slots of {Tokens} tokens ({Reserved} bytes reserved), {Budget} bytes of KV cache for the running sequences.")]
    private partial void LogSlots(int slots, int tokens, long reserved, long budget);

    [LoggerMessage(Level = LogLevel.Information, Message = "Refused a request: the model is busy ({Running} running, {Waiting} waiting).")]
    private partial void LogRefused(int running, int waiting);

    [LoggerMessage(Level = LogLevel.Error, Message = "A generation pass failed; its sequences end with the error.")]
    private partial void LogFailed(Exception error);

    private sealed class Sequence(SequenceDecoder decoder, long kvBytes)
    {
        public SequenceDecoder Decoder { get; } = decoder;

        public long KvBytes { get; } = kvBytes;

        public Channel<int> Tokens { get; } = Channel.CreateUnbounded<int>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });

        public LinkedListNode<Sequence>? Node { get; set; }

        /// <summary>The slot held while admitted; -1 before.</summary>
        public int Slot { get; set; } = -1;

        /// <summary>Positions written in the slot.</summary>
        public int Length { get; set; }

        /// <summary>The last token yielded: the next decode step's input.</summary>
        public int Next { get; set; }

        public bool Decoding { get; set; }

        public long DecodeStarted { get; set; }
    }
}
