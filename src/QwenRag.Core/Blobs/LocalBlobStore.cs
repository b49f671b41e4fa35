using System.Runtime.CompilerServices;

namespace QwenRag.Core.Blobs;

/// <summary>
/// Blobs as files under a root directory, a key's segments its path: in a data directory <c>uploads/…</c> and
/// <c>originals/…</c>, the layout data directories always had. A write goes to a hidden temporary file beside
/// its target, is forced to the disk, then renamed over it (and the directory synced), so a blob is whole or absent.
/// Only keys under the given containers (top-level directories) are accepted, so that no key can reach the
/// databases that share the root.
/// </summary>
public sealed class LocalBlobStore : IBlobStore
{
    public const string UploadsContainer = "uploads";

    public const string OriginalsContainer = "originals";

    private const int BufferSize = 1 << 16;
    private const string TemporarySuffix = ".partial";

    // A temporary file this old belongs to a process that died mid-write.
    private static readonly TimeSpan AbandonedAge = TimeSpan.FromHours(1);

    private readonly string _root;
    private readonly HashSet<string> _containers;

    /// <param name="root">The directory the keys are relative to.</param>
    /// <param name="containers">The first segments a key may have (e.g. <c>uploads</c>); each is a directory of <paramref name="root"/>.</param>
    public LocalBlobStore(string root, IEnumerable<string> containers)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        ArgumentNullException.ThrowIfNull(containers);
        _root = Path.GetFullPath(root);
        _containers = new HashSet<string>(containers.Select(container => BlobKey.Validate(container, nameof(containers))), StringComparer.Ordinal);
        if (_containers.Count == 0 || _containers.Any(container => container.Contains('/', StringComparison.Ordinal)))
        {
            throw new ArgumentException("Give at least one container, each a single segment.", nameof(containers));
        }
    }

    public string Description => $"local directory {_root}";

    /// <summary>The store of a data directory: <see cref="DataDirectory.UploadsPath"/> and <see cref="DataDirectory.OriginalsPath"/>.</summary>
    public static LocalBlobStore For(DataDirectory data)
    {
        ArgumentNullException.ThrowIfNull(data);
        return new LocalBlobStore(data.Root, [UploadsContainer, OriginalsContainer]);
    }

    public async Task<long> WriteAsync(string key, Stream content, long? maxBytes = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        var path = PathFor(key);
        if (maxBytes is { } limit && content.CanSeek && content.Length - content.Position > limit)
        {
            throw new BlobTooLargeException(key, limit);
        }

        var directory = Path.GetDirectoryName(path)!;
        var temporary = Path.Combine(directory, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}{TemporarySuffix}");
        try
        {
            Directory.CreateDirectory(directory);
            long total = 0;

            // Disposed inside the try: closing flushes what is buffered, which is where a full disk may show.
            await using (var file = new FileStream(
                temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, BufferSize, FileOptions.Asynchronous))
            {
                var buffer = new byte[BufferSize];
                int read;
                while ((read = await content.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    total += read;
                    if (total > maxBytes)
                    {
                        throw new BlobTooLargeException(key, maxBytes.Value);
                    }

                    await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                }

                await file.FlushAsync(cancellationToken);
                file.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: true);
            DirectorySync.Flush(directory);
            return total;
        }
        catch (Exception ex)
        {
            TryDelete(temporary);
            if (StorageFailures.AsStorageFull(ex) is { } full && !ReferenceEquals(full, ex))
            {
                throw full;
            }

            throw;
        }
    }

    public Task<Stream> OpenReadAsync(string key, CancellationToken cancellationToken = default)
    {
        var path = PathFor(key);
        try
        {
            return Task.FromResult<Stream>(new FileStream(
                path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, BufferSize, FileOptions.Asynchronous | FileOptions.SequentialScan));
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new BlobNotFoundException(key, ex);
        }
    }

    public Task<bool> ExistsAsync(string key, CancellationToken cancellationToken = default) =>
        Task.FromResult(File.Exists(PathFor(key)));

    public Task<bool> DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        var path = PathFor(key);
        if (!File.Exists(path))
        {
            return Task.FromResult(false);
        }

        File.Delete(path);
        return Task.FromResult(true);
    }

    /// <summary>
    /// Lists the files under the prefix's directory whose names are keys. Temporary files left by a process that died
    /// mid-write are deleted on the way, since nothing else would find them.
    /// </summary>
    public async IAsyncEnumerable<BlobInfo> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        BlobKey.ValidatePrefix(prefix);
        await Task.CompletedTask;
        foreach (var directory in DirectoriesToList(prefix))
        {
            if (!Directory.Exists(directory))
            {
                continue;
            }

            foreach (var path in Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories))
            {
                cancellationToken.ThrowIfCancellationRequested();
                var name = Path.GetFileName(path);
                if (name.StartsWith('.') && name.EndsWith(TemporarySuffix, StringComparison.Ordinal))
                {
                    DeleteIfAbandoned(path);
                    continue;
                }

                var key = Path.GetRelativePath(_root, path).Replace(Path.DirectorySeparatorChar, '/');
                if (!key.StartsWith(prefix, StringComparison.Ordinal) || !BlobKey.IsValid(key))
                {
                    continue;
                }

                FileInfo info = new(path);
                if (info.Exists)
                {
                    yield return new BlobInfo(key, info.Length, info.LastWriteTimeUtc);
                }
            }
        }
    }

    /// <summary>The directories that hold every key with the prefix: the prefix's own, or each matching container.</summary>
    private IEnumerable<string> DirectoriesToList(string prefix)
    {
        var slash = prefix.LastIndexOf('/');
        if (slash < 0)
        {
            return _containers
                .Where(container => container.StartsWith(prefix, StringComparison.Ordinal))
                .Select(container => Path.Combine(_root, container));
        }

        var directory = prefix[..slash];
        var container = directory.Split('/')[0];
        return _containers.Contains(container) ? [Path.Combine(_root, directory.Replace('/', Path.DirectorySeparatorChar))] : [];
    }

    private string PathFor(string key)
    {
        BlobKey.Validate(key);
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0 || !_containers.Contains(key[..slash]))
        {
            throw new ArgumentException($"'{key}' is not under {string.Join(" or ", _containers.Order(StringComparer.Ordinal))}/ of this store.", nameof(key));
        }

        return Path.Combine(_root, key.Replace('/', Path.DirectorySeparatorChar));
    }

    private static void DeleteIfAbandoned(string path)
    {
        try
        {
            if (File.GetLastWriteTimeUtc(path) < DateTime.UtcNow - AbandonedAge)
            {
                File.Delete(path);
            }
        }
        catch (IOException)
        {
            // Still being written, or already gone.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
