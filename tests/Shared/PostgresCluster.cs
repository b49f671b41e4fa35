using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace QwenRag.Tests;

/// <summary>
/// A private PostgreSQL cluster for one test class (use as <c>IClassFixture&lt;PostgresCluster&gt;</c>): <c>initdb</c>
/// and <c>pg_ctl</c> from <c>/usr/lib/postgresql/*/bin</c> (or <c>$PG_BIN</c>) in a temporary folder, listening on a
/// random loopback port with trust authentication, its socket inside that folder; run as the <c>postgres</c> user when
/// the tests run as root (initdb refuses root). Stopped (<c>-m immediate</c>) and deleted on dispose.
/// <see cref="CreateDatabase"/> gives each test a fresh database. Where the binaries are absent nothing starts, and
/// tests marked with <see cref="PostgresFactAttribute"/> or <see cref="PostgresInlineDataAttribute"/> are skipped
/// with <see cref="SkipReason"/>.
/// </summary>
public sealed class PostgresCluster : IAsyncLifetime
{
    private const string SystemUser = "postgres";

    private string? _root;
    private string? _dataPath;
    private int _port;

    /// <summary>The folder holding <c>initdb</c> and <c>pg_ctl</c>, newest version first; null when none is installed.</summary>
    public static string? BinDirectory { get; } = FindBinDirectory();

    /// <summary>Why PostgreSQL tests cannot run here; null when they can.</summary>
    public static string? SkipReason { get; } = FindSkipReason();

    /// <summary>The cluster's <c>postgres</c> database, as superuser.</summary>
    public string AdminConnectionString => _port == 0
        ? throw new InvalidOperationException(SkipReason ?? "The cluster is not started.")
        : new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = _port,
            Username = SystemUser,
            Database = "postgres",
            Pooling = false,
        }.ConnectionString;

    public async Task InitializeAsync()
    {
        if (SkipReason is not null)
        {
            return;
        }

        _root = Path.Combine(Path.GetTempPath(), "qwenrag-pg-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(_root);
        _dataPath = Path.Combine(_root, "data");
        var sockets = Path.Combine(_root, "sockets");
        Directory.CreateDirectory(sockets);
        if (IsRoot)
        {
            await RunAsync("chown", ["-R", $"{SystemUser}:", _root]);
        }

        await RunPostgresToolAsync("initdb", ["-D", _dataPath, "-U", SystemUser, "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"]);

        // A port found free may be taken before the server binds it; another is tried then.
        for (var attempt = 1; ; attempt++)
        {
            var port = FreePort();
            try
            {
                await RunPostgresToolAsync("pg_ctl", [
                    "-D", _dataPath, "-l", Path.Combine(_root, "server.log"), "-w", "-t", "60",
                    "-o", $"-c listen_addresses=127.0.0.1 -p {port} -k {sockets} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300",
                    "start"]);
                _port = port;
                return;
            }
            catch (InvalidOperationException) when (attempt < 3)
            {
            }
        }
    }

    /// <summary>A new empty database; returns its connection string (pooled, as superuser).</summary>
    public string CreateDatabase()
    {
        var name = "test_" + Guid.NewGuid().ToString("N");
        using (var connection = new NpgsqlConnection(AdminConnectionString))
        {
            connection.Open();

            // CREATE DATABASE takes no parameters; the name is made here of hex digits only.
            using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            command.ExecuteNonQuery();
        }

        return new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = name, Pooling = true }.ConnectionString;
    }

    /// <inheritdoc cref="CreateDatabase"/>
    public Task<string> CreateDatabaseAsync() => Task.Run(CreateDatabase);

    public async Task DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (_port != 0 && _dataPath is not null)
        {
            try
            {
                await RunPostgresToolAsync("pg_ctl", ["-D", _dataPath, "-m", "immediate", "-w", "stop"]);
            }
            catch (InvalidOperationException)
            {
                // already gone
            }
        }

        if (_root is not null)
        {
            try
            {
                Directory.Delete(_root, recursive: true);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }

    private static bool IsRoot => OperatingSystem.IsLinux() && Environment.UserName == "root";

    private static string? FindBinDirectory()
    {
        if (Environment.GetEnvironmentVariable("PG_BIN") is { Length: > 0 } configured)
        {
            return HasTools(configured) ? configured : null;
        }

        const string installed = "/usr/lib/postgresql";
        if (!Directory.Exists(installed))
        {
            return null;
        }

        return Directory.GetDirectories(installed)
            .Select(version => (Version: int.TryParse(Path.GetFileName(version), out var number) ? number : 0, Bin: Path.Combine(version, "bin")))
            .Where(candidate => HasTools(candidate.Bin))
            .OrderByDescending(candidate => candidate.Version)
            .Select(candidate => candidate.Bin)
            .FirstOrDefault();
    }

    private static bool HasTools(string bin) =>
        File.Exists(Path.Combine(bin, "initdb")) && File.Exists(Path.Combine(bin, "pg_ctl"));

    private static string? FindSkipReason()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "PostgreSQL tests start a private cluster with initdb and pg_ctl, which these tests do on Linux only";
        }

        if (BinDirectory is null)
        {
            return "PostgreSQL is not installed (no initdb and pg_ctl under /usr/lib/postgresql/*/bin or $PG_BIN): apt-get install postgresql";
        }

        return IsRoot && !File.Exists("/usr/sbin/runuser") && !File.Exists("/sbin/runuser")
            ? "Running as root without runuser: initdb refuses root and cannot be run as the postgres user"
            : null;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static Task RunPostgresToolAsync(string tool, IReadOnlyList<string> arguments)
    {
        var path = Path.Combine(BinDirectory!, tool);
        return IsRoot ? RunAsync("runuser", ["-u", SystemUser, "--", path, .. arguments]) : RunAsync(path, arguments);
    }

    private static async Task RunAsync(string program, IReadOnlyList<string> arguments)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"{program} {string.Join(' ', arguments)} exited with {process.ExitCode}: {await error}{await output}");
        }
    }
}
