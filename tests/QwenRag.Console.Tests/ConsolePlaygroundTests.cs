using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace QwenRag.Console.Tests;

/// <summary>Search and streamed answers in the playground, literal rendering of document text, and the reader role.</summary>
public sealed class ConsolePlaygroundTests(ConsoleFixture fixture) : IClassFixture<ConsoleFixture>
{
    private const string Query = "What may a modified version of the work not be distributed as?";

    /// <summary>Records every <c>data-state</c> the answer takes, in order (MutationObserver; no timing involved).</summary>
    private const string RecordAnswerStates =
        """
        () => {
          window.__answerStates = [];
          const record = () => {
            const answer = document.querySelector('[data-testid=pg-answer]');
            const state = answer && answer.getAttribute('data-state');
            const states = window.__answerStates;
            if (state && states[states.length - 1] !== state) states.push(state);
          };
          new MutationObserver(record).observe(document.documentElement,
            { subtree: true, childList: true, characterData: true, attributes: true, attributeFilter: ['data-state'] });
          record();
        }
        """;

    [Fact]
    public async Task Search_FirstResultNamesTheDocumentAndPageTheApiRanksFirst()
    {
        var top = (await fixture.Admin.SearchAsync(ConsoleFixture.DocsSet, Query))[0];
        await using var session = await fixture.OpenAsync("search");
        await session.SignInAsync(ConsoleFixture.AdminKey, "admin");
        await session.RouteAsync("#/playground");
        await session.Page.GetByLabel("Set", new() { Exact = true }).SelectOptionAsync(ConsoleFixture.DocsSet);
        await session.Page.GetByLabel("Question or query").FillAsync(Query);
        await session.ByTestId("pg-search").ClickAsync();

        var first = session.Page.Locator("[data-testid=pg-results] [data-testid=pg-result]").First;
        await Expect(first).ToContainTextAsync($"{top.String("document")} p. {top.GetProperty("page").GetInt32()}");
        var passageStart = top.String("text").Trim().Split('\n')[0].Trim();
        await Expect(first).ToContainTextAsync(passageStart[..Math.Min(40, passageStart.Length)]);

        // A long passage is clamped to its first lines; its button shows all of it and says so.
        var results = session.Page.Locator("[data-testid=pg-results] [data-testid=pg-result]");
        var longIndex = await results.EvaluateAllAsync<int>("items => items.findIndex(i => i.querySelector('.passage.clamped'))");
        Assert.True(longIndex >= 0, "no search result was long enough to be clamped");
        var longResult = results.Nth(longIndex);
        var passage = longResult.Locator(".passage");
        var clampedHeight = await passage.EvaluateAsync<double>("p => p.getBoundingClientRect().height");
        var toggle = longResult.Locator("button[aria-controls]");
        await Expect(toggle).ToHaveTextAsync("Show the whole passage");
        await Expect(toggle).ToHaveAttributeAsync("aria-expanded", "false");
        await toggle.ClickAsync();
        await Expect(toggle).ToHaveAttributeAsync("aria-expanded", "true");
        await Expect(toggle).ToHaveTextAsync("Show less");
        await Expect(passage).Not.ToHaveClassAsync(new Regex(@"\bclamped\b"));
        Assert.True(
            await passage.EvaluateAsync<double>("p => p.getBoundingClientRect().height") > clampedHeight,
            "the whole passage is no taller than its clamped first lines");
        await toggle.ClickAsync();
        await Expect(passage).ToHaveClassAsync(new Regex(@"\bclamped\b"));
        await session.AuditAsync("playground-search");
        session.AssertClean();
    }

    [Fact]
    public async Task Ask_AnswerStreamsThenDone_CitationOpensItsPassage()
    {
        await using var session = await fixture.OpenAsync("ask");
        await session.SignInAsync(ConsoleFixture.AdminKey, "admin");
        await session.RouteAsync("#/playground");
        await session.Page.GetByLabel("Set", new() { Exact = true }).SelectOptionAsync(ConsoleFixture.DocsSet);
        await session.Page.GetByLabel("Question or query").FillAsync(Query);
        await session.Page.EvaluateAsync(RecordAnswerStates);
        await session.ByTestId("pg-ask").ClickAsync();

        var answer = session.ByTestId("pg-answer");
        await Expect(answer).ToHaveAttributeAsync("data-state", "done", new() { Timeout = 60_000 });
        await Expect(answer).ToHaveAttributeAsync("aria-live", new Regex("polite|assertive"));
        var states = await session.Page.EvaluateAsync<string[]>("() => window.__answerStates");
        var streaming = Array.IndexOf(states, "streaming");
        Assert.True(streaming >= 0 && Array.IndexOf(states, "done", streaming) > streaming, "answer states seen: " + string.Join(" -> ", states));
        Assert.False(string.IsNullOrWhiteSpace(await answer.TextContentAsync()), "the answer is empty");
        await Expect(session.ByTestId("pg-generator")).ToHaveTextAsync(new Regex("extractive"));

        var citation = session.ByTestId("pg-citation").First;
        await Expect(citation).ToHaveTextAsync(new Regex($@"{Regex.Escape(ConsoleFixture.DocsPdf)} p\. \d+"));
        Assert.Equal("BUTTON", await citation.EvaluateAsync<string>("e => e.tagName"));
        await citation.ClickAsync();
        var passage = session.ByTestId("pg-passage");
        await Expect(passage).ToBeVisibleAsync();
        await Expect(passage).Not.ToBeEmptyAsync();
        await session.AuditAsync("playground-answer");
        session.AssertClean();
    }

    [Fact]
    public async Task ScriptTagInDocumentText_RendersLiterallyInResultsAndPassages()
    {
        await using var session = await fixture.OpenAsync("script-literal");
        await session.SignInAsync(ConsoleFixture.AdminKey, "admin");
        await session.RouteAsync("#/playground");
        await session.Page.GetByLabel("Set", new() { Exact = true }).SelectOptionAsync(ConsoleFixture.XssSet);
        await session.Page.GetByLabel("Question or query").FillAsync("cross-site scripting payload");
        await session.ByTestId("pg-search").ClickAsync();

        var result = session.Page.Locator("[data-testid=pg-results] [data-testid=pg-result]").First;
        await Expect(result).ToContainTextAsync(ConsoleFixture.Script);
        Assert.Contains(ConsoleFixture.Script, await result.TextContentAsync(), StringComparison.Ordinal);
        Assert.Equal(0, await session.Page.Locator("main script").CountAsync());

        await session.ByTestId("pg-ask").ClickAsync();
        await Expect(session.ByTestId("pg-answer")).ToHaveAttributeAsync("data-state", "done", new() { Timeout = 60_000 });
        await session.ByTestId("pg-citation").First.ClickAsync();
        await Expect(session.ByTestId("pg-passage")).ToContainTextAsync(ConsoleFixture.Script);
        Assert.Equal(0, await session.Page.Locator("main script").CountAsync());
        await session.ScreenshotAsync("playground-script-literal");
        Assert.Empty(session.Dialogs);
        session.AssertClean();
    }

    [Fact]
    public async Task Reader_CannotUpload_NoFileInputOrAVisibleRefusal()
    {
        var before = (await fixture.Admin.DocumentsAsync(ConsoleFixture.DocsSet)).Length;
        await using var session = await fixture.OpenAsync("reader");
        await session.SignInAsync(ConsoleFixture.ReaderKey, "reader");
        await session.RouteAsync("#/sets/" + ConsoleFixture.DocsSet);
        await Expect(session.Page.Locator($"[data-testid=document-row][data-document=\"{ConsoleFixture.DocsPdf}\"]")).ToBeVisibleAsync();
        await session.AuditAsync("reader-set");

        var input = session.ByTestId("file-input");
        if (await input.CountAsync() > 0 && await input.IsEnabledAsync())
        {
            await input.SetInputFilesAsync(new FilePayload { Name = "reader.md", MimeType = "text/markdown", Buffer = "# Reader\n\nNot allowed.\n"u8.ToArray() });
            var refusal = session.Page.Locator("[data-testid=error], [data-testid=announcer], [data-testid=upload-item][data-file=\"reader.md\"]");
            await Expect(refusal.Filter(new() { HasTextRegex = new Regex("(?i)admin|forbidden|not allowed|permission|refused") }).First).ToBeVisibleAsync();
            await session.ScreenshotAsync("reader-upload-refused");
        }

        foreach (var control in new[] { "document-delete", "document-reindex" })
        {
            var buttons = session.ByTestId(control);
            for (var i = 0; i < await buttons.CountAsync(); i++)
            {
                Assert.False(await buttons.Nth(i).IsVisibleAsync() && await buttons.Nth(i).IsEnabledAsync(), $"a reader sees an enabled {control}");
            }
        }

        Assert.Equal(before, (await fixture.Admin.DocumentsAsync(ConsoleFixture.DocsSet)).Length);
        session.AssertClean();
    }

    [Fact]
    public async Task EveryScreen_ShowsWhatTheApiReports_AndPassesAxe()
    {
        var document = await fixture.DocsDocumentAsync();
        var sets = await fixture.Admin.SetsAsync();
        await using var session = await fixture.OpenAsync("screens");
        await session.SignInAsync(ConsoleFixture.AdminKey, "admin");

        await session.Page.GetByTestId("nav-sets").ClickAsync();
        await Expect(session.Page).ToHaveURLAsync(new Regex("#/sets$"));
        foreach (var set in sets)
        {
            var row = session.Page.Locator($"[data-testid=sets-table] [data-testid=set-row][data-set=\"{set.String("name")}\"]");
            foreach (var column in new[] { "documents", "pages", "chunks" })
            {
                await Expect(row.Locator($"[data-col={column}]")).ToHaveTextAsync(new Regex($@"^\s*{set.GetProperty(column).GetInt32()}\s*$"));
            }
        }

        await session.AuditAsync("sets");

        await session.Page.Locator($"[data-testid=set-row][data-set=\"{ConsoleFixture.DocsSet}\"] a[href=\"#/sets/{ConsoleFixture.DocsSet}\"]").ClickAsync();
        await Expect(session.Page).ToHaveURLAsync(new Regex($"#/sets/{ConsoleFixture.DocsSet}$"));
        var documentRow = session.Page.Locator($"[data-testid=documents-table] [data-testid=document-row][data-document=\"{ConsoleFixture.DocsPdf}\"]");
        await Expect(documentRow.Locator("[data-col=pages]")).ToHaveTextAsync(new Regex($@"^\s*{document.GetProperty("pages").GetInt32()}\s*$"));
        await Expect(documentRow.Locator("[data-col=chunks]")).ToHaveTextAsync(new Regex($@"^\s*{document.GetProperty("chunks").GetInt32()}\s*$"));
        await session.AuditAsync("set");

        await session.Page.GetByTestId("nav-jobs").ClickAsync();
        await Expect(session.Page).ToHaveURLAsync(new Regex("#/jobs$"));
        var job = session.Page.Locator($"[data-testid=jobs-table] [data-testid=job-row][data-document=\"{ConsoleFixture.DocsPdf}\"]");
        await Expect(job).ToHaveAttributeAsync("data-status", "succeeded");
        await session.AuditAsync("jobs");
        await session.Page.GetByLabel("Status").SelectOptionAsync("failed");
        await Expect(job).ToHaveCountAsync(0);
        await session.Page.GetByLabel("Status").SelectOptionAsync("succeeded");
        await Expect(job).ToHaveCountAsync(1);

        await session.Page.GetByTestId("nav-playground").ClickAsync();
        await Expect(session.Page).ToHaveURLAsync(new Regex("#/playground$"));
        await Expect(session.ByTestId("pg-set")).ToBeVisibleAsync();
        await session.AuditAsync("playground");
        session.AssertClean();
    }

    [Fact]
    public async Task Phone_390x844_SetsAndPlaygroundPassAxeWithoutSidewaysScroll()
    {
        await using var session = await fixture.OpenAsync("phone", 390, 844);
        await session.GoAsync();
        await Expect(session.ByTestId("signin-key")).ToBeVisibleAsync();
        await session.AuditAsync("phone-signin");
        await session.Page.GetByLabel("API key").FillAsync(ConsoleFixture.AdminKey);
        await session.ByTestId("signin-submit").ClickAsync();
        await Expect(session.ByTestId("role")).ToHaveTextAsync("admin");

        foreach (var (hash, ready) in new[] { ("#/sets", "sets-table"), ("#/sets/" + ConsoleFixture.DocsSet, "documents-table"), ("#/playground", "pg-query") })
        {
            await session.RouteAsync(hash);
            await Expect(session.ByTestId(ready)).ToBeVisibleAsync();
            var name = "phone-" + hash.Trim('#', '/').Replace('/', '-');
            await session.AuditAsync(name);
            var overflow = await session.Page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - window.innerWidth");
            Assert.True(overflow <= 0, $"{hash} at 390 px scrolls sideways by {overflow} px");
        }

        session.AssertClean();
    }
}
