using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using QwenRag.Tests;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace QwenRag.Console.Tests;

/// <summary>Sign-in, uploads through the file input (real PDFs, rejected files), deleting documents and sets.</summary>
public sealed class ConsoleAdminTests(ConsoleFixture fixture, ITestOutputHelper output) : IClassFixture<ConsoleFixture>
{
    private static readonly LocatorAssertionsToHaveAttributeOptions Ingestion = new() { Timeout = 120_000 };

    private static readonly string[] UploadStates = ["uploading", "queued", "running", "done", "failed"];

    /// <summary>Records, per <c>data-file</c>, every <c>data-state</c> an upload item takes (MutationObserver, no timing).</summary>
    private const string RecordUploadStates =
        """
        () => {
          window.__uploadStates = {};
          const record = () => {
            for (const item of document.querySelectorAll('[data-testid=upload-item]')) {
              const file = item.getAttribute('data-file'), state = item.getAttribute('data-state');
              const states = window.__uploadStates[file] || (window.__uploadStates[file] = []);
              if (state && states[states.length - 1] !== state) states.push(state);
            }
          };
          new MutationObserver(record).observe(document.documentElement,
            { subtree: true, childList: true, attributes: true, attributeFilter: ['data-state'] });
        }
        """;

    [Fact]
    public async Task SignIn_WrongKeyRefusedInWords_AdminKeyShowsAdmin_SignOutReturns()
    {
        await using var session = await fixture.OpenAsync("signin");
        await session.GoAsync();
        await Expect(session.Page).ToHaveURLAsync(new Regex("#/signin$"));
        var key = session.Page.GetByLabel("API key");
        await Expect(key).ToHaveAttributeAsync("type", "password");
        await Expect(session.ByTestId("signin-key")).ToBeVisibleAsync();
        await session.AuditAsync("signin");

        await key.FillAsync("not-a-key");
        await session.ByTestId("signin-submit").ClickAsync();
        var error = session.ByTestId("signin-error");
        await Expect(error).ToBeVisibleAsync();
        await Expect(error).ToHaveAttributeAsync("role", "alert");
        await Expect(error).Not.ToBeEmptyAsync();
        await session.AuditAsync("signin-refused");

        await key.FillAsync(ConsoleFixture.AdminKey);
        await session.ByTestId("signin-submit").ClickAsync();
        await Expect(session.ByTestId("role")).ToHaveTextAsync("admin");
        await Expect(session.Page).ToHaveURLAsync(new Regex("#/sets$"));
        await Expect(session.Page.GetByRole(AriaRole.Navigation)).ToBeVisibleAsync();
        await Expect(session.Page.GetByRole(AriaRole.Main)).ToBeVisibleAsync();
        Assert.Equal(ConsoleFixture.AdminKey, await session.Page.EvaluateAsync<string>("() => sessionStorage.getItem('qwenrag.key')"));

        await session.ByTestId("signout").ClickAsync();
        await Expect(session.Page).ToHaveURLAsync(new Regex("#/signin$"));
        Assert.Null(await session.Page.EvaluateAsync<string?>("() => sessionStorage.getItem('qwenrag.key')"));
        session.AssertClean();
    }

    [Fact]
    public async Task Upload_TwoPdfs_BothDoneWithThePageCountsTheApiReports()
    {
        const string set = "uploaded";
        string[] files = ["lppl-1.3c.pdf", "europecv-greek-utf8.pdf"];
        await using var session = await fixture.OpenAsync("upload-pdfs");
        await session.SignInAsync(ConsoleFixture.AdminKey, "admin");
        await session.RouteAsync("#/sets/" + set);
        await Expect(session.Page.GetByRole(AriaRole.Heading, new() { Name = set })).ToBeVisibleAsync();
        await Expect(session.Page.GetByLabel("Add files")).ToHaveAttributeAsync("type", "file");
        await Expect(session.ByTestId("drop-zone")).ToBeVisibleAsync();
        await session.AuditAsync("set-empty");

        await session.Page.EvaluateAsync(RecordUploadStates);
        await session.ByTestId("file-input").SetInputFilesAsync(files.Select(TestCorpus.Pdf));
        foreach (var file in files)
        {
            await Expect(UploadItem(session, file)).ToHaveAttributeAsync("data-state", "done", Ingestion);
        }

        var seen = await session.Page.EvaluateAsync<Dictionary<string, string[]>>("() => window.__uploadStates");
        foreach (var file in files)
        {
            Assert.True(seen.TryGetValue(file, out var states), "no upload-item states recorded for " + file);
            var trail = string.Join(" -> ", states);
            Assert.True(states.All(UploadStates.Contains), $"{file}: states outside the contract: {trail}");
            Assert.True(states[0] == "uploading" && states[^1] == "done", $"{file}: expected uploading first and done last: {trail}");
        }

        var documents = await fixture.Admin.DocumentsAsync(set);
        foreach (var file in files)
        {
            var document = Assert.Single(documents, d => d.String("name") == file);
            var pages = document.GetProperty("pages").GetInt32();
            var chunks = document.GetProperty("chunks").GetInt32();
            await Expect(UploadItem(session, file).GetByTestId("upload-status"))
                .ToHaveTextAsync(new Regex($@"^\s*Done: {pages} pages?, {chunks} chunks? in \d+\.\d s\s*$"));
            var row = DocumentRow(session, file);
            await Expect(row.Locator("[data-col=pages]")).ToHaveTextAsync(new Regex($@"^\s*{pages}\s*$"));
            await Expect(row.Locator("[data-col=chunks]")).ToHaveTextAsync(new Regex($@"^\s*{chunks}\s*$"));
        }

        await session.AuditAsync("set-uploaded");
        session.AssertClean();
    }

    [Fact]
    public async Task DropZone_TwentyPagePdfDropped_DoneWithItsPagesAndTheTimeFromDropToDone()
    {
        const string set = "dropped";
        var pdf = TwentyPagePdf();
        await using var session = await fixture.OpenAsync("drop-twenty-pages");
        await session.SignInAsync(ConsoleFixture.AdminKey, "admin");
        await session.RouteAsync("#/sets/" + set);

        // A real drop event carrying a File, as a browser makes one when a file is dragged in from the desktop.
        var transfer = await session.Page.EvaluateHandleAsync(
            """
            (base64) => {
              const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
              const transfer = new DataTransfer();
              transfer.items.add(new File([bytes], 'twenty-pages.pdf', { type: 'application/pdf' }));
              return transfer;
            }
            """,
            Convert.ToBase64String(pdf));
        await session.ByTestId("drop-zone").DispatchEventAsync("dragover", new Dictionary<string, object> { ["dataTransfer"] = transfer });
        await session.ByTestId("drop-zone").DispatchEventAsync("drop", new Dictionary<string, object> { ["dataTransfer"] = transfer });

        var item = UploadItem(session, "twenty-pages.pdf");
        await Expect(item).ToHaveAttributeAsync("data-state", "done", Ingestion);
        var status = await item.GetByTestId("upload-status").InnerTextAsync();
        var shown = Regex.Match(status, @"^Done: 20 pages, (\d+) chunks in (\d+\.\d) s$");
        Assert.True(shown.Success, "upload status: " + status);
        output.WriteLine($"20-page PDF ({pdf.Length:N0} bytes), drop to done as the console shows it: {shown.Groups[2].Value} s");
        await session.AuditAsync("dropped-twenty-pages");
        session.AssertClean();
    }

    /// <summary>The first 20 pages of a real corpus PDF, written by PdfPig.</summary>
    private static byte[] TwentyPagePdf() =>
        UglyToad.PdfPig.Writer.PdfMerger.Merge([File.ReadAllBytes(TestCorpus.Pdf("csquotes-DE.pdf"))], [Enumerable.Range(1, 20).ToArray()]);

    [Fact]
    public async Task TwoHashChangesInOneTurn_DrawTheScreenOnce_FocusStays()
    {
        await using var session = await fixture.OpenAsync("two-hash-changes");
        await session.SignInAsync(ConsoleFixture.AdminKey, "admin");
        // Signing in goes to #/sets and a script (or a quick click) goes on at once: both hashchange events fire after
        // the second change. Drawing the screen twice would drop what was focused on the first drawing.
        var drawn = await session.Page.EvaluateAsync<int>(
            """
            async () => {
              const main = document.querySelector('main');
              let zones = 0;
              const observer = new MutationObserver((records) => {
                for (const record of records)
                  for (const node of record.addedNodes)
                    if (node.nodeType === 1 && node.querySelector('[data-testid=drop-zone]')) zones++;
              });
              observer.observe(main, { childList: true });
              location.hash = '#/jobs';
              location.hash = '#/sets/twice';
              await new Promise((resolve) => setTimeout(resolve, 300));
              observer.disconnect();
              return zones;
            }
            """);
        Assert.Equal(1, drawn);
        await session.ByTestId("drop-zone").FocusAsync();
        await session.Page.EvaluateAsync("() => { location.hash = '#/jobs'; location.hash = '#/sets/twice'; }");
        await Expect(session.ByTestId("drop-zone")).ToBeFocusedAsync();
        session.AssertClean();
    }

    [Fact]
    public async Task DropZone_EnterOpensTheFileChooser_FileIsIngested()
    {
        const string set = "keyboard";
        await using var session = await fixture.OpenAsync("drop-zone-keyboard");
        await session.SignInAsync(ConsoleFixture.AdminKey, "admin");
        await session.RouteAsync("#/sets/" + set);
        await session.ByTestId("drop-zone").FocusAsync();
        var chooser = await session.Page.RunAndWaitForFileChooserAsync(() => session.Page.Keyboard.PressAsync("Enter"));
        Assert.True(chooser.IsMultiple, "the file chooser does not take several files");
        await chooser.SetFilesAsync(new FilePayload { Name = "keyboard.md", MimeType = "text/markdown", Buffer = "# Keyboard\n\nUploaded without a mouse.\n"u8.ToArray() });
        await Expect(UploadItem(session, "keyboard.md")).ToHaveAttributeAsync("data-state", "done", Ingestion);
        await session.ScreenshotAsync("keyboard-uploaded");
        Assert.Contains(await fixture.Admin.DocumentsAsync(set), d => d.String("name") == "keyboard.md");
        session.AssertClean();
    }

    [Fact]
    public async Task Upload_UnsupportedAndEncryptedFiles_FailWithReasonsInWords()
    {
        const string set = "rejects";
        await using var session = await fixture.OpenAsync("upload-rejects");
        await session.SignInAsync(ConsoleFixture.AdminKey, "admin");
        await session.RouteAsync("#/sets/" + set);
        var input = session.ByTestId("file-input");

        byte[] exe = [0x4D, 0x5A, 0x90, 0x00, 0x03, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0x00, 0x00, .. new byte[240]];
        await input.SetInputFilesAsync(new FilePayload { Name = "tool.exe", MimeType = "application/octet-stream", Buffer = exe });
        await Expect(UploadItem(session, "tool.exe")).ToHaveAttributeAsync("data-state", "failed", Ingestion);
        await Expect(UploadItem(session, "tool.exe").GetByTestId("upload-status")).ToContainTextAsync("unsupported file type");

        var zip = Encoding.ASCII.GetBytes("PK\u0003\u0004 this is the start of a zip archive, which is no document type");
        await input.SetInputFilesAsync(new FilePayload { Name = "bundle.zip", MimeType = "application/zip", Buffer = zip });
        await Expect(UploadItem(session, "bundle.zip")).ToHaveAttributeAsync("data-state", "failed", Ingestion);
        await Expect(UploadItem(session, "bundle.zip").GetByTestId("upload-status")).ToContainTextAsync("unsupported file type");

        await input.SetInputFilesAsync(Path.Combine(AppContext.BaseDirectory, "Fixtures", "encrypted.pdf"));
        await Expect(UploadItem(session, "encrypted.pdf")).ToHaveAttributeAsync("data-state", "failed", Ingestion);
        await Expect(UploadItem(session, "encrypted.pdf").GetByTestId("upload-status")).ToContainTextAsync("the PDF is encrypted");

        await session.AuditAsync("set-rejects");

        await session.ByTestId("nav-jobs").ClickAsync();
        // A set whose every job failed holds no document, yet it is among the Set choices (they include the jobs' sets).
        await session.Page.GetByLabel("Set").SelectOptionAsync(set);
        await session.Page.GetByLabel("Status").SelectOptionAsync("failed");
        var job = session.Page.Locator("[data-testid=jobs-table] [data-testid=job-row][data-document=\"encrypted.pdf\"]");
        await Expect(job).ToHaveAttributeAsync("data-status", "failed");
        await Expect(job.GetByTestId("job-retry")).ToBeVisibleAsync();
        await session.AuditAsync("jobs-failed");
        session.AssertClean();
    }

    [Fact]
    public async Task DeleteDocument_ConfirmDialog_NoKeepsIt_YesRemovesIt()
    {
        const string set = "trash";
        await fixture.Admin.UploadAndWaitAsync(set, "keep.md", Encoding.UTF8.GetBytes("# Keep\n\nThis note stays in the set.\n"));
        await fixture.Admin.UploadAndWaitAsync(set, "remove.md", Encoding.UTF8.GetBytes("# Remove\n\nThis note is deleted by the test.\n"));
        await using var session = await fixture.OpenAsync("delete-document");
        await session.SignInAsync(ConsoleFixture.AdminKey, "admin");
        await session.RouteAsync("#/sets/" + set);
        var row = DocumentRow(session, "remove.md");
        await Expect(row).ToBeVisibleAsync();
        await Expect(DocumentRow(session, "keep.md")).ToBeVisibleAsync();

        var dialog = session.ByTestId("confirm-dialog");
        await row.GetByTestId("document-delete").ClickAsync();
        await Expect(dialog).ToBeVisibleAsync();
        await session.ByTestId("confirm-no").ClickAsync();
        await Expect(dialog).ToBeHiddenAsync();
        await Expect(row).ToBeVisibleAsync();

        await row.GetByTestId("document-delete").ClickAsync();
        await Expect(dialog).ToBeVisibleAsync();
        Assert.True(
            await dialog.EvaluateAsync<bool>("d => d.contains(document.activeElement)"),
            "focus did not move into the confirm dialog");
        await session.Page.Keyboard.PressAsync("Escape");
        await Expect(dialog).ToBeHiddenAsync();
        await Expect(row).ToBeVisibleAsync();

        await row.GetByTestId("document-delete").FocusAsync();
        await session.Page.Keyboard.PressAsync("Enter");
        await Expect(dialog).ToBeVisibleAsync();
        await session.AuditAsync("confirm-delete-document");
        await session.ByTestId("confirm-yes").ClickAsync();
        await Expect(row).ToHaveCountAsync(0);
        await Expect(DocumentRow(session, "keep.md")).ToBeVisibleAsync();
        await session.ScreenshotAsync("document-deleted");

        Assert.DoesNotContain(await fixture.Admin.DocumentsAsync(set), d => d.String("name") == "remove.md");
        session.AssertClean();
    }

    [Fact]
    public async Task DeleteSet_FromTheSetsScreen_GoneThereAndFromTheApi()
    {
        const string set = "doomed";
        await fixture.Admin.UploadAndWaitAsync(set, "doomed.md", Encoding.UTF8.GetBytes("# Doomed\n\nThis set is deleted by the test.\n"));
        await using var session = await fixture.OpenAsync("delete-set");
        await session.SignInAsync(ConsoleFixture.AdminKey, "admin");
        await session.RouteAsync("#/sets");
        var row = session.Page.Locator($"[data-testid=set-row][data-set=\"{set}\"]");
        await Expect(row).ToBeVisibleAsync();

        await row.GetByTestId("set-delete").ClickAsync();
        await Expect(session.ByTestId("confirm-dialog")).ToBeVisibleAsync();
        await session.ScreenshotAsync("confirm-delete-set");
        await session.ByTestId("confirm-yes").ClickAsync();
        await Expect(row).ToHaveCountAsync(0);
        await Expect(session.Page.Locator($"[data-testid=set-row][data-set=\"{ConsoleFixture.DocsSet}\"]")).ToBeVisibleAsync();

        Assert.DoesNotContain(await fixture.Admin.SetsAsync(), s => s.String("name") == set);
        session.AssertClean();
    }

    private const string Csp =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
        "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

    /// <summary>The audit itself: axe loads under the console's CSP (no inline scripts) and does report violations.</summary>
    [Fact]
    public async Task Axe_UnderTheConsoleCsp_ReportsAnImageWithoutAlternativeText()
    {
        await using var session = await fixture.OpenAsync("axe-harness");
        await session.Page.RouteAsync("http://console.test/**", route => route.FulfillAsync(new()
        {
            Status = 200,
            ContentType = "text/html",
            Headers = new Dictionary<string, string> { ["Content-Security-Policy"] = Csp },
            Body = """<!doctype html><html lang="en"><head><title>t</title></head><body><main><h1>t</h1><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw="><script>window.inlineRan = true;</script></main></body></html>""",
        }));
        await session.Page.GotoAsync("http://console.test/");

        var violations = await Axe.RunAsync(session.Page);

        Assert.Contains(violations, v => v.GetProperty("id").GetString() == "image-alt" && v.GetProperty("impact").GetString() == "critical");
        Assert.False(await session.Page.EvaluateAsync<bool>("() => window.inlineRan === true"), "the CSP did not apply: an inline script ran");
    }

    private static ILocator UploadItem(ConsoleSession session, string file) =>
        session.Page.Locator($"[data-testid=uploads] [data-testid=upload-item][data-file=\"{file}\"]");

    private static ILocator DocumentRow(ConsoleSession session, string file) =>
        session.Page.Locator($"[data-testid=documents-table] [data-testid=document-row][data-document=\"{file}\"]");
}
