using System.Text;

namespace QwenRag.Retrieval.Tests;

/// <summary>
/// Readable chunk ids for tests. <see cref="Of"/> turns a short ASCII name ("a", "c1") into a Guid whose hex starts
/// with the name's bytes and is zero-padded, so ids of different names differ, <c>Id.ToString()</c> sorts ordinally
/// exactly as the names do (RRF breaks ties by it), and <see cref="NameOf"/> gives the name back.
/// </summary>
internal static class TestChunkIds
{
    private const int MaxNameBytes = 16;

    /// <summary>The id of the chunk called <paramref name="name"/> (1 to 16 ASCII characters, no NUL).</summary>
    public static Guid Of(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (name.Length > MaxNameBytes || !name.All(c => c is > '\0' and <= '\x7f'))
        {
            throw new ArgumentException($"A test chunk name is 1 to {MaxNameBytes} ASCII characters; got '{name}'.", nameof(name));
        }

        var hex = Convert.ToHexStringLower(Encoding.ASCII.GetBytes(name)).PadRight(MaxNameBytes * 2, '0');
        return Guid.ParseExact(hex, "N");
    }

    /// <summary>The name <paramref name="id"/> was made from by <see cref="Of"/>.</summary>
    public static string NameOf(Guid id)
    {
        var bytes = Convert.FromHexString(id.ToString("N"));
        var length = Array.IndexOf(bytes, (byte)0);
        return Encoding.ASCII.GetString(bytes, 0, length < 0 ? bytes.Length : length);
    }

    /// <summary>The name of a chunk id made by <see cref="Of"/>, for assertions on lists of hits.</summary>
    public static string Name(this Guid id) => NameOf(id);
}
