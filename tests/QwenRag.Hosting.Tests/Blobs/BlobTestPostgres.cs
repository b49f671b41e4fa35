using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace QwenRag.Hosting.Tests.Blobs;

/// <summary>
/// A private PostgreSQL cluster for the blob tests: <c>initdb</c> and <c>pg_ctl</c> of <see cref="BinDirectory"/> in a
/// temporary folder, on a random loopback port, its socket in that folder, run as <c>postgres</c> when the tests run
/// as root (initdb refuses root); stopped at once and deleted on dispose. <see cref="CreateDatabaseAsync"/> gives each
/// test a fresh database. Where the binaries are absent it starts nothing and <see cref="SkipReason"/> says why.
/// </summary>
public sealed class BlobTestPostgres : IAsyncLifetime
{
    public const string BinDirectory = "/usr/lib/postgresql/15/bin";

    private const string SystemUser = "postgres";

    private string? _folder;
    private string? _dataPath;
    private string? _adminConnectionString;

    /// <summary>Why PostgreSQL tests are skipped on this machine; null when they can run.</summary>
    public static string? SkipReason { get; } =
        File.Exists(Path.Combine(BinDirectory, "initdb")) && File.Exists(Path.Combine(BinDirectory, "pg_ctl"))
            ? null
            : $"PostgreSQL is not installed ({BinDirectory}/initdb and pg_ctl are absent): install Debian's postgresql to run these tests";

    private static bool IsRoot => Environment.UserName == "root";

    public async Task InitializeAsync()
    {
        if (SkipReason is not null)
        {
            return;
        }

        _folder = Path.Combine(Path.GetTempPath(), "qwenrag-pg-" + Guid.NewGuid().ToString("N"));
        _dataPath = Path.Combine(_folder, "data");
        Directory.CreateDirectory(_folder);
        if (IsRoot)
        {
            await RunAsync("chown", ["-R", $"{SystemUser}:", _folder], asPostgres: false);
        }

        await RunAsync(Path.Combine(BinDirectory, "initdb"), ["-D", _dataPath, "-U", SystemUser, "-A", "trust", "-E", "UTF8", "--no-sync"]);
        for (var attempt = 1; ; attempt++)
        {
            var port = FreePort();
            try
            {
                await RunAsync(Path.Combine(BinDirectory, "pg_ctl"),
                [
                    "-D", _dataPath, "-l", Path.Combine(_folder, "server.log"), "-w", "-t", "60",
                    "-o", $"-c listen_addresses=127.0.0.1 -p {port} -k {_folder} -c fsync=off -c full_page_writes=off",
                    "start",
                ]);
                _adminConnectionString = $"Host=127.0.0.1;Port={port};Username={SystemUser};Database=postgres;Timeout=30";
                return;
            }
            catch (InvalidOperationException) when (attempt < 3)
            {
                // Another process took the port between the probe and the start: try another.
            }
        }
    }

    /// <summary>A new, empty database; returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var admin = _adminConnectionString ?? throw new InvalidOperationException(SkipReason ?? "The cluster is not started.");
        var name = "blobs_" + Guid.NewGuid().ToString("N");
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync();

            // An identifier cannot be a parameter; the name is ours, letters and digits only.
            await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await command.ExecuteNonQueryAsync();
        }

        return new NpgsqlConnectionStringBuilder(admin) { Database = name }.ConnectionString;
    }

    public async Task DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (_dataPath is not null && _adminConnectionString is not null)
        {
            try
            {
                await RunAsync(Path.Combine(BinDirectory, "pg_ctl"), ["-D", _dataPath, "-m", "immediate", "stop"]);
            }
            catch (InvalidOperationException)
            {
                // Already gone; the folder goes anyway.
            }
        }

        if (_folder is not null)
        {
            try
            {
                Directory.Delete(_folder, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task RunAsync(string program, IReadOnlyList<string> arguments, bool asPostgres = true)
    {
        var start = new ProcessStartInfo
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (asPostgres && IsRoot)
        {
            start.FileName = "runuser";
            foreach (var argument in (string[])["-u", SystemUser, "--", program])
            {
                start.ArgumentList.Add(argument);
            }
        }
        else
        {
            start.FileName = program;
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"{Path.GetFileName(program)} {string.Join(' ', arguments)} exited with {process.ExitCode}: {await output}{await error}");
        }
    }
}
