using System.Runtime.InteropServices;

namespace QwenRag.Retrieval.Vectors;

/// <summary>
/// Saves a set's IVF index (centroids and each row's list, keyed by SQLite row id) next to the database, so a
/// restart skips k-means. The file records the set's generation; any other generation means stale.
/// </summary>
internal static class IvfFile
{
    private const int Magic = 0x31465649; // "IVF1"

    public static void Write(string path, VectorSet set, IvfIndex ivf)
    {
        var rows = Enumerable.Range(0, set.Count).OrderBy(r => set.RowIds[r]).ToArray();
        // Unique per writer: another process sharing the directory may be saving the same set's index.
        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
        using (var writer = new BinaryWriter(stream))
        {
            writer.Write(Magic);
            writer.Write(set.Generation);
            writer.Write(set.Dimensions);
            writer.Write(ivf.ListCount);
            writer.Write(ivf.TrainedRows);
            writer.Write(set.Count);
            writer.Write(MemoryMarshal.AsBytes(ivf.Centroids));
            foreach (var row in rows)
            {
                writer.Write(set.RowIds[row]);
                writer.Write(ivf.ListOf(row));
            }
        }

        // Replace atomically: a crash leaves the old file or the new one, never half of one.
        File.Move(temporary, path, overwrite: true);
        set.IvfFileGeneration = set.Generation;
    }

    /// <summary>The saved index if it matches the set exactly (loaded in row-id order), else null.</summary>
    public static IvfIndex? TryRead(string path, VectorSet set)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            using var reader = new BinaryReader(stream);
            if (reader.ReadInt32() != Magic || reader.ReadInt64() != set.Generation || reader.ReadInt32() != set.Dimensions)
            {
                return null;
            }

            var lists = reader.ReadInt32();
            var trained = reader.ReadInt32();
            if (reader.ReadInt32() != set.Count)
            {
                return null;
            }

            var centroids = new float[lists * set.Dimensions];
            reader.BaseStream.ReadExactly(MemoryMarshal.AsBytes(centroids.AsSpan()));
            var rowLists = new int[set.Count];
            for (var row = 0; row < set.Count; row++)
            {
                if (reader.ReadInt64() != set.RowIds[row])
                {
                    return null;
                }

                rowLists[row] = reader.ReadInt32();
                if ((uint)rowLists[row] >= (uint)lists)
                {
                    return null;
                }
            }

            set.IvfFileGeneration = set.Generation;
            return IvfIndex.Restore(set.Dimensions, centroids, rowLists, trained);
        }
        catch (Exception exception) when (exception is IOException or EndOfStreamException)
        {
            return null;
        }
    }
}
