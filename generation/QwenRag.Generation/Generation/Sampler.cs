using QwenRag.Generation.Runtime;

namespace QwenRag.Generation.Generation;

/// <summary>
/// Picks the next token from one position's logits the way Hugging Face's generate does, in its order: repetition
/// penalty, then greedy argmax, or temperature, top-k, top-p and a draw. One sampler serves one generation; with a
/// seed, the same logits and history give the same sequence of tokens.
/// </summary>
public sealed class Sampler
{
    private readonly SamplingOptions _options;
    private readonly Random _random;
    private float[] _scores = [];
    private bool[] _seen = [];

    public Sampler(SamplingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _random = options.Seed is { } seed ? new Random(seed) : new Random();
    }

    /// <param name="logits">The next position's logits, one per vocabulary entry.</param>
    /// <param name="history">Prompt and generated tokens so far, for the repetition penalty.</param>
    public int Next(ReadOnlySpan<float> logits, IReadOnlyCollection<int> history)
    {
        ArgumentNullException.ThrowIfNull(history);
        if (logits.IsEmpty)
        {
            throw new ArgumentException("No logits to sample from.", nameof(logits));
        }

        if (_scores.Length != logits.Length)
        {
            _scores = new float[logits.Length];
            _seen = new bool[logits.Length];
        }

        var scores = _scores;
        logits.CopyTo(scores);
        if (_options.RepetitionPenalty != 1f)
        {
            Penalise(scores, history);
        }

        if (_options.IsGreedy)
        {
            return QwenOnnxModel.ArgMax(scores);
        }

        var temperature = _options.Temperature;
        for (var i = 0; i < scores.Length; i++)
        {
            scores[i] /= temperature;
        }

        var candidates = Candidates(scores);
        var probabilities = new double[candidates.Length];
        var max = scores[candidates[0]];
        double total = 0;
        for (var i = 0; i < candidates.Length; i++)
        {
            probabilities[i] = Math.Exp(scores[candidates[i]] - max);
            total += probabilities[i];
        }

        var kept = candidates.Length;
        if (_options.TopP < 1f)
        {
            // The smallest most-likely prefix whose probability reaches top_p (at least one token).
            double cumulative = 0;
            for (var i = 0; i < candidates.Length; i++)
            {
                cumulative += probabilities[i] / total;
                if (cumulative >= _options.TopP)
                {
                    kept = i + 1;
                    break;
                }
            }
        }

        double keptMass = 0;
        for (var i = 0; i < kept; i++)
        {
            keptMass += probabilities[i];
        }

        var draw = _random.NextDouble() * keptMass;
        for (var i = 0; i < kept; i++)
        {
            draw -= probabilities[i];
            if (draw < 0)
            {
                return candidates[i];
            }
        }

        return candidates[kept - 1];
    }

    private void Penalise(float[] scores, IReadOnlyCollection<int> history)
    {
        // Hugging Face penalises each distinct seen token once: positive logits shrink, negative ones grow.
        var penalty = _options.RepetitionPenalty;
        Array.Clear(_seen);
        foreach (var token in history)
        {
            if ((uint)token >= (uint)scores.Length || _seen[token])
            {
                continue;
            }

            _seen[token] = true;
            scores[token] = scores[token] > 0 ? scores[token] / penalty : scores[token] * penalty;
        }
    }

    /// <summary>Token ids, most likely first (ties by lower id), limited to top-k when it is set.</summary>
    private int[] Candidates(float[] scores)
    {
        var k = _options.TopK > 0 ? Math.Min(_options.TopK, scores.Length) : scores.Length;
        int[] candidates;
        if (k < scores.Length)
        {
            // A min-heap of the k best so far: O(V log k) instead of sorting the whole vocabulary.
            var heap = new PriorityQueue<int, (float Score, int Id)>(k, Comparer<(float Score, int Id)>.Create(
                (a, b) => a.Score != b.Score ? a.Score.CompareTo(b.Score) : b.Id.CompareTo(a.Id)));
            for (var i = 0; i < scores.Length; i++)
            {
                if (heap.Count < k)
                {
                    heap.Enqueue(i, (scores[i], i));
                }
                else if (heap.TryPeek(out _, out var worst) && scores[i] > worst.Score)
                {
                    heap.DequeueEnqueue(i, (scores[i], i));
                }
            }

            candidates = new int[heap.Count];
            for (var i = candidates.Length - 1; i >= 0; i--)
            {
                candidates[i] = heap.Dequeue();
            }

            return candidates;
        }

        candidates = Enumerable.Range(0, scores.Length).ToArray();
        if (_options.TopP < 1f)
        {
            Array.Sort(candidates, (a, b) => scores[a] != scores[b] ? scores[b].CompareTo(scores[a]) : a.CompareTo(b));
        }
        else
        {
            // No cut-off: order does not matter for the draw, only the maximum for a stable softmax.
            var best = QwenOnnxModel.ArgMax(scores);
            (candidates[0], candidates[best]) = (candidates[best], candidates[0]);
        }

        return candidates;
    }
}
