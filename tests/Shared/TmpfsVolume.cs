using System.Diagnostics;
using Microsoft.Data.Sqlite;

namespace QwenRag.Tests;

/// <summary>
/// A small real volume (tmpfs) to fill up, mounted for one test and unmounted after. Mounting needs root on Linux;
/// where it is impossible <see cref="TryMount"/> returns null with the reason, and tests fall back to a double.
/// </summary>
internal sealed class TmpfsVolume : IDisposable
{
    private TmpfsVolume(string path)
    {
        Path = path;
    }

    public string Path { get; }

    private string FillerPath => System.IO.Path.Combine(Path, "filler.bin");

    public static TmpfsVolume? TryMount(int megabytes, out string? reason)
    {
        reason = null;
        if (!OperatingSystem.IsLinux())
        {
            reason = "tmpfs needs Linux";
            return null;
        }

        var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "qwenrag-tmpfs-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        var (exitCode, output) = Run("mount", $"-t tmpfs -o size={megabytes}m tmpfs {path}");
        if (exitCode != 0)
        {
            Directory.Delete(path);
            reason = $"mount -t tmpfs failed ({exitCode}): {output.Trim()}";
            return null;
        }

        return new TmpfsVolume(path);
    }

    /// <summary>Writes a filler file until the volume refuses even one byte, then frees <paramref name="leaveBytes"/> of it.</summary>
    public void Fill(long leaveBytes = 0)
    {
        using (var filler = new FileStream(FillerPath, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.None))
        {
            var block = new byte[1 << 20];
            for (var size = 1 << 20; size >= 1; size /= 2)
            {
                try
                {
                    while (true)
                    {
                        filler.Write(block, 0, size);
                    }
                }
                catch (IOException)
                {
                    // full at this block size; go on with smaller ones
                }
            }

            if (leaveBytes > 0)
            {
                filler.SetLength(Math.Max(0, filler.Length - leaveBytes));
            }
        }
    }

    public void FreeFiller() => File.Delete(FillerPath);

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        var (exitCode, _) = Run("umount", Path);
        if (exitCode != 0)
        {
            Run("umount", $"-l {Path}");
        }

        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // still busy; the temp folder is cleaned eventually
        }
    }

    private static (int ExitCode, string Output) Run(string file, string arguments)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(file, arguments)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            })!;
            var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
            process.WaitForExit();
            return (process.ExitCode, output);
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return (-1, ex.Message);
        }
    }
}
