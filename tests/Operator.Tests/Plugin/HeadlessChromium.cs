using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;

namespace AgentOperator.Operator.Tests.Plugin;

/// <summary>
/// Debian's chromium, headless, driven by its chromium-driver through Selenium (no download: both are the system's, as
/// .ci/run installs them), and the folder the test's screenshots go to.
/// </summary>
internal static class HeadlessChromium
{
    public const string Browser = "/usr/bin/chromium";
    public const string Driver = "/usr/bin/chromedriver";

    /// <summary>Screenshots of the console's pages, next to the test assembly (the test output); emptied once per run, so none is stale.</summary>
    public static string ScreenshotDirectory { get; } = FreshDirectory(Path.Combine(AppContext.BaseDirectory, "console-screenshots"));

    public static ChromeDriver Start()
    {
        if (!File.Exists(Browser) || !File.Exists(Driver))
        {
            throw new InvalidOperationException($"the console's browser tests need Debian's chromium and chromium-driver ({Browser}, {Driver}): apt-get install -y chromium chromium-driver (bash .ci/run installs them)");
        }

        var service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(Driver)!, Path.GetFileName(Driver));
        service.SuppressInitialDiagnosticInformation = true;
        service.HideCommandPromptWindow = true;
        var options = new ChromeOptions { BinaryLocation = Browser };
        // --no-sandbox: CI runs as root, where chromium refuses its sandbox.
        options.AddArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,1800", "--no-first-run", "--disable-extensions");
        return new ChromeDriver(service, options, TimeSpan.FromSeconds(60));
    }

    private static string FreshDirectory(string path)
    {
        if (Directory.Exists(path))
        {
            Directory.Delete(path, recursive: true);
        }

        return Directory.CreateDirectory(path).FullName;
    }

    /// <summary>Saves what the browser shows as <paramref name="name"/>.png and returns its path.</summary>
    public static string Screenshot(IWebDriver driver, string name)
    {
        var path = Path.Combine(ScreenshotDirectory, name + ".png");
        ((ITakesScreenshot)driver).GetScreenshot().SaveAsFile(path);
        return path;
    }
}
