using Microsoft.Playwright;

namespace ClusterSnek.Reports.Tests;

/// <summary>The report in a real headless Chromium (the Debian package), driven by Playwright with the system browser.</summary>
[Collection("Browser")]
public sealed class BrowserTests
{
    static readonly string[] ChromiumArgs =
    [
        "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run",
        "--disable-component-update", "--disable-sync", "--host-resolver-rules=MAP * ~NOTFOUND",
    ];

    [Fact]
    public async Task The_report_renders_in_chromium_without_errors_or_requests_and_shows_verdict_target_and_image()
    {
        Assert.True(File.Exists("/usr/bin/chromium"), "/usr/bin/chromium is missing: apt-get install chromium (./build.sh Test installs it with the toolchain).");
        using var temp = new TempFolder();
        var file = temp.Path / "report.html";
        File.WriteAllText(file, ReportRenderer.RenderHtml(Documents.VerifyFailedAndRolledBack(), Documents.Now));

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium", Headless = true, Args = ChromiumArgs,
        });
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 1000 } });
        var errors = new List<string>();
        var requests = new List<string>();
        page.Console += (_, m) => { if (m.Type is "error" or "warning") errors.Add(m.Text); };
        page.PageError += (_, e) => errors.Add(e);
        page.Request += (_, r) => requests.Add(r.Url);

        var uri = new Uri(file).AbsoluteUri;
        await page.GotoAsync(uri, new PageGotoOptions { WaitUntil = WaitUntilState.NetworkIdle });

        Assert.Equal("Blocked", (await page.Locator("#verdict").InnerTextAsync()).Trim());
        Assert.True(await page.Locator("#verdict").IsVisibleAsync());
        var compileRow = page.Locator("tr.target[data-target=Compile]");
        Assert.True(await compileRow.IsVisibleAsync());
        Assert.Contains("Succeeded", await compileRow.InnerTextAsync());
        var imageRow = page.Locator("tr.image[data-service=backend]");
        Assert.True(await imageRow.IsVisibleAsync());
        Assert.Contains("sha256:aaaabbbbcccc", await imageRow.InnerTextAsync());
        Assert.Equal(12, await page.Locator("svg g.target-row").CountAsync());

        // The failed release: the failing check, the diagnosis and the rollback are on screen, in their own section.
        Assert.True(await page.Locator("#failure").IsVisibleAsync());
        Assert.Contains("restarts", await page.Locator("#failure tr.failed-check").First.InnerTextAsync());
        Assert.Contains("the database connection string is missing", await page.Locator("#failure tr.diagnosis").InnerTextAsync());
        Assert.Contains("the restored revision verified", await page.Locator("#failure tr.rollback").InnerTextAsync());
        Assert.Equal(2, await page.Locator("#verification tr.check[data-outcome='not checked']").CountAsync());

        // The collapsed parameters section opens on click: the inline script ran.
        await page.Locator("#parameters h2").ClickAsync();
        Assert.True(await page.Locator("#parameters table").First.IsVisibleAsync());

        var screenshot = Fixture.RepositoryRoot / "artifacts" / "report-test.png";
        screenshot.Parent.CreateDirectory();
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = screenshot, FullPage = true });

        Assert.Empty(errors);
        Assert.Equal([uri], requests);
    }
}
