using System.Diagnostics;
using System.Text;

namespace QwenRag.Cli.Tests;

/// <summary>
/// A long-running <c>qwenrag</c> command (<c>worker</c>, <c>serve</c>) in its own process, its output kept for
/// failure messages. <see cref="Kill"/> sends SIGKILL: the process gets no chance to finish or release anything.
/// </summary>
internal sealed class QwenRagDaemon : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();

    private QwenRagDaemon(string name, Process process)
    {
        Name = name;
        _process = process;
    }

    /// <summary>What the test calls this process, for messages.</summary>
    public string Name { get; }

    public bool HasExited => _process.HasExited;

    public int Id => _process.Id;

    public int ExitCode => _process.ExitCode;

    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    /// <summary><c>qwenrag worker --data DIR</c> with <paramref name="arguments"/>.</summary>
    public static QwenRagDaemon Worker(string dataDirectory, params string[] arguments) =>
        Start("worker", dataDirectory, new Dictionary<string, string>(), ["worker", "--data", dataDirectory, .. arguments]);

    /// <summary>
    /// <c>qwenrag</c> with <paramref name="arguments"/> (the command first), in <paramref name="dataDirectory"/>, with
    /// <paramref name="environment"/> added to this process's environment (configuration such as <c>QwenRag__Blobs__Store</c>).
    /// </summary>
    public static QwenRagDaemon Start(
        string name, string dataDirectory, IReadOnlyDictionary<string, string> environment, IReadOnlyList<string> arguments)
    {
        var start = QwenRagProcess.StartInfo(dataDirectory, arguments);
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var daemon = new QwenRagDaemon(name, new Process { StartInfo = start });
        daemon._process.OutputDataReceived += (_, line) => daemon.Append(line.Data);
        daemon._process.ErrorDataReceived += (_, line) => daemon.Append(line.Data);
        daemon._process.Start();
        daemon._process.BeginOutputReadLine();
        daemon._process.BeginErrorReadLine();
        return daemon;
    }

    /// <summary>SIGKILL (<c>kill -9</c>), then waits until the process is gone.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.WaitForExit();
    }

    /// <summary>The log, headed with the name, pid and state, for a failure message.</summary>
    public string Describe() =>
        $"--- {Name} (pid {Id}{(HasExited ? $", exited with {ExitCode}" : string.Empty)}) ---\n{Log}";

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_log)
            {
                _log.AppendLine(line);
            }
        }
    }
}
