using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;

namespace QwenRag.Hosting.Worker;

/// <summary>
/// Who holds a job's lease: <c>{machine}:{pid}:{instance}</c>. On the same machine a dead owner is recognised at
/// once, so a worker restarted after a crash resumes its job without waiting for the lease to lapse.
/// </summary>
public sealed record WorkerIdentity(string Machine, int ProcessId, string Instance)
{
    // Instances running in this process: an owner with this process's id that is not among them belonged to an
    // earlier process that had the same id (a container restarted, pid 1 again).
    private static readonly ConcurrentDictionary<string, byte> Running = new(StringComparer.Ordinal);

    /// <summary>A new identity for a worker of this process, on <paramref name="machine"/> (default: the host name).</summary>
    public static WorkerIdentity ForThisProcess(string? machine = null) =>
        new(machine ?? Environment.MachineName, Environment.ProcessId, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4)));

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Machine}:{ProcessId}:{Instance}");

    public static WorkerIdentity? TryParse(string? owner)
    {
        if (owner is null)
        {
            return null;
        }

        var last = owner.LastIndexOf(':');
        var middle = last > 0 ? owner.LastIndexOf(':', last - 1) : -1;
        return middle > 0 && int.TryParse(owner.AsSpan(middle + 1, last - middle - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
            ? new WorkerIdentity(owner[..middle], pid, owner[(last + 1)..])
            : null;
    }

    /// <summary>
    /// Whether <paramref name="owner"/> is a worker on this machine whose process has ended. Owners on other
    /// machines, or unrecognisable ones, are never judged dead here: their leases lapse instead.
    /// </summary>
    public static bool IsDeadOnThisMachine(string owner) => IsDeadOn(Environment.MachineName, owner);

    /// <summary>
    /// Whether <paramref name="owner"/> is a worker on <paramref name="machine"/> (this machine, under the name its
    /// workers use) whose process has ended; see <see cref="IsDeadOnThisMachine"/>.
    /// </summary>
    public static bool IsDeadOn(string machine, string owner)
    {
        if (TryParse(owner) is not { } identity
            || !string.Equals(identity.Machine, machine, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        return identity.ProcessId == Environment.ProcessId
            ? !Running.ContainsKey(identity.Instance)
            : !IsAlive(identity.ProcessId);
    }

    internal void MarkRunning() => Running[Instance] = 0;

    internal void MarkStopped() => Running.TryRemove(Instance, out _);

    private static bool IsAlive(int processId)
    {
        // A killed process its parent has not reaped yet lingers as a zombie; it is as dead as it gets.
        var stat = $"/proc/{processId}/stat";
        if (OperatingSystem.IsLinux())
        {
            try
            {
                var text = File.ReadAllText(stat);
                var state = text.LastIndexOf(')') is var close and > 0 && close + 2 < text.Length ? text[close + 2] : '?';
                return state is not ('Z' or 'X');
            }
            catch (IOException)
            {
                return false;
            }
            catch (UnauthorizedAccessException)
            {
                return true;
            }
        }

        try
        {
            using var process = Process.GetProcessById(processId);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }
}
