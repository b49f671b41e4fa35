namespace QwenRag.Retrieval.Vectors;

/// <summary>Seeded synthetic embeddings: unit vectors scattered around random cluster centres, like real topics.</summary>
public static class ClusteredVectors
{
    public static float[][] Generate(int count, int dimensions, int clusters, int seed, float spread = 0.6f)
    {
        var random = new Random(seed);
        var centres = new float[clusters][];
        for (var c = 0; c < clusters; c++)
        {
            centres[c] = VectorMath.Normalized(Gaussians(random, dimensions, 1));
        }

        var vectors = new float[count][];
        var noise = spread / MathF.Sqrt(dimensions);
        for (var i = 0; i < count; i++)
        {
            var vector = Gaussians(random, dimensions, noise);
            System.Numerics.Tensors.TensorPrimitives.Add(vector, centres[random.Next(clusters)], vector);
            vectors[i] = VectorMath.Normalized(vector);
        }

        return vectors;
    }

    private static float[] Gaussians(Random random, int length, float scale)
    {
        var values = new float[length];
        for (var i = 0; i < length; i++)
        {
            // Box-Muller.
            var u = 1 - random.NextDouble();
            values[i] = scale * (float)(Math.Sqrt(-2 * Math.Log(u)) * Math.Cos(2 * Math.PI * random.NextDouble()));
        }

        return values;
    }
}
