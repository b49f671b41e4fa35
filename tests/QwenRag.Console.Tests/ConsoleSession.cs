using System.Globalization;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace QwenRag.Console.Tests;

/// <summary>
/// One browser context with one page on the console. Records every dialog (an <c>alert</c> would mean a script ran),
/// page error and console error (CSP refusals among them); <see cref="AssertClean"/> fails on any (failed
/// requests, which Chromium logs as errors too, are not counted: 401 and 403 are expected answers).
/// Screenshots go to <see cref="ConsoleFixture.ScreenshotDirectory"/> as <c>test-NN-step.png</c>.
/// </summary>
public sealed class ConsoleSession : IAsyncDisposable
{
    private readonly ConsoleFixture _fixture;
    private readonly IBrowserContext _context;
    private readonly string _test;
    private readonly List<string> _dialogs = [];
    private readonly List<string> _errors = [];
    private int _shots;

    public ConsoleSession(ConsoleFixture fixture, IBrowserContext context, IPage page, string test)
    {
        _fixture = fixture;
        _context = context;
        _test = test;
        Page = page;
        page.Dialog += (_, dialog) =>
        {
            lock (_dialogs)
            {
                _dialogs.Add($"{dialog.Type}: {dialog.Message}");
            }

            _ = dialog.DismissAsync();
        };
        page.PageError += (_, error) => Record("page error: " + error);
        page.Console += (_, message) =>
        {
            if (message.Type == "error" && !message.Text.StartsWith("Failed to load resource", StringComparison.Ordinal))
            {
                Record("console error: " + message.Text);
            }
        };
    }

    public IPage Page { get; }

    public IReadOnlyList<string> Dialogs
    {
        get
        {
            lock (_dialogs)
            {
                return [.. _dialogs];
            }
        }
    }

    public ILocator ByTestId(string id) => Page.GetByTestId(id);

    /// <summary>Opens the console at <paramref name="hash"/> (e.g. <c>#/sets</c>); no key yet unless signed in before.</summary>
    public async Task GoAsync(string hash = "")
    {
        await Page.GotoAsync(_fixture.ConsoleUrl + hash);
    }

    /// <summary>Opens the console, which sends us to sign-in (keys are configured), and signs in with <paramref name="key"/>.</summary>
    public async Task SignInAsync(string key, string expectedRole)
    {
        await GoAsync();
        await Expect(Page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("#/signin$"));
        await Page.GetByLabel("API key").FillAsync(key);
        await ByTestId("signin-submit").ClickAsync();
        await Expect(ByTestId("role")).ToHaveTextAsync(expectedRole);
    }

    /// <summary>Navigates by setting the hash, as a link would.</summary>
    public async Task RouteAsync(string hash)
    {
        await Page.EvaluateAsync("hash => { window.location.hash = hash; }", hash);
        await Expect(Page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex(System.Text.RegularExpressions.Regex.Escape(hash) + "$"));
    }

    public async Task ScreenshotAsync(string step)
    {
        var name = string.Create(CultureInfo.InvariantCulture, $"{_test}-{++_shots:00}-{step}.png");
        await Page.ScreenshotAsync(new() { Path = Path.Combine(ConsoleFixture.ScreenshotDirectory, name), FullPage = true });
    }

    /// <summary>Screenshot, then the axe audit.</summary>
    public async Task AuditAsync(string screen)
    {
        await ScreenshotAsync(screen);
        await Axe.AssertNoSeriousViolationsAsync(Page, screen);
    }

    /// <summary>No dialog opened, no uncaught error, no console error (the console logs CSP refusals as errors).</summary>
    public void AssertClean(params string[] allowedErrorFragments)
    {
        Assert.True(Dialogs.Count == 0, "dialogs opened: " + string.Join(" | ", Dialogs));
        string[] errors;
        lock (_errors)
        {
            errors = [.. _errors.Where(e => !allowedErrorFragments.Any(f => e.Contains(f, StringComparison.Ordinal)))];
        }

        Assert.True(errors.Length == 0, "the page reported errors:\n" + string.Join("\n", errors));
    }

    public async ValueTask DisposeAsync()
    {
        await _context.CloseAsync();
    }

    private void Record(string error)
    {
        lock (_errors)
        {
            _errors.Add(error);
        }
    }
}
