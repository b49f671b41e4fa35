using System.Text;
using System.Text.Json;
using Microsoft.Playwright;
using QwenRag.Api.Tests;
using QwenRag.Tests;

namespace QwenRag.Console.Tests;

/// <summary>
/// One API host (admin and reader keys, temp data folder) and one headless Chromium per test class. Seeds, through
/// the REST API: <see cref="DocsPdf"/> in <see cref="DocsSet"/> and a text file holding a script tag in <see cref="XssSet"/>.
/// Every test opens its own browser context (cheap) so sign-ins do not leak between tests.
/// </summary>
public sealed class ConsoleFixture : IAsyncLifetime
{
    public const string AdminKey = "console-admin-key";
    public const string ReaderKey = "console-reader-key";
    public const string DocsSet = "docs";
    public const string DocsPdf = "lppl-1.3c.pdf";
    public const string XssSet = "xss";
    public const string XssFile = "script-notes.txt";
    public const string Script = "<script>alert(1)</script>";

    public static readonly string XssText =
        $"Cross-site scripting notes.\n\nThe payload {Script} must render as text in the console, never run.\n";

    private readonly TemporaryDirectory _directory = new();
    private readonly List<HttpClient> _clients = [];
    private IPlaywright? _playwright;

    public ApiHost Host { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    public HttpClient Admin { get; private set; } = null!;

    /// <summary>The console's address: <c>http://127.0.0.1:port/admin/</c>.</summary>
    public string ConsoleUrl => new Uri(Host.Address, "/admin/").ToString();

    public string DocsDocumentId { get; private set; } = "";

    public static string ScreenshotDirectory { get; } = Path.Combine(AppContext.BaseDirectory, "screenshots");

    public async Task InitializeAsync()
    {
        var chromium = Chromium.Locate();

        // Waits, not timings: on 2 busy cores (the whole solution testing at once) a screen can take seconds.
        Assertions.SetDefaultExpectTimeout(30_000);
        Directory.CreateDirectory(ScreenshotDirectory);
        Host = await ApiHost.StartAsync(
            _directory.Path,
            "--QwenRag:Auth:Keys:0:Key", AdminKey,
            "--QwenRag:Auth:Keys:0:Role", "admin",
            "--QwenRag:Auth:Keys:1:Key", ReaderKey,
            "--QwenRag:Auth:Keys:1:Role", "reader");
        Admin = Client(AdminKey);

        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = chromium,
            Headless = true,
            Args = Chromium.Arguments,
        });

        var docs = await Admin.UploadAndWaitAsync(DocsSet, DocsPdf, await File.ReadAllBytesAsync(TestCorpus.Pdf(DocsPdf)));
        DocsDocumentId = docs.String("documentId");
        await Admin.UploadAndWaitAsync(XssSet, XssFile, Encoding.UTF8.GetBytes(XssText));
    }

    public HttpClient Client(string? key)
    {
        var client = Host.CreateClient(key);
        lock (_clients)
        {
            _clients.Add(client);
        }

        return client;
    }

    /// <summary>A fresh browser context and page at the given viewport, recording dialogs, page errors and CSP refusals.</summary>
    public async Task<ConsoleSession> OpenAsync(string test, int width = 1366, int height = 768)
    {
        var context = await Browser.NewContextAsync(new() { ViewportSize = new() { Width = width, Height = height } });
        var page = await context.NewPageAsync();
        return new ConsoleSession(this, context, page, test);
    }

    public async Task<JsonElement> DocsDocumentAsync() =>
        Assert.Single(await Admin.DocumentsAsync(DocsSet), d => d.String("id") == DocsDocumentId);

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }

        _playwright?.Dispose();
        foreach (var client in _clients)
        {
            client.Dispose();
        }

        if (Host is not null)
        {
            await Host.DisposeAsync();
        }

        _directory.Dispose();
    }
}
