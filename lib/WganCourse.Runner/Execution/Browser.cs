using System.Diagnostics;

namespace WganCourse.Runner.Execution;

/// <summary>Debian's headless Chromium with every network lookup failing: what renders here renders offline.</summary>
public static class Browser
{
    /// <summary>Chromium or Chrome on PATH; one line with the fix when neither is installed.</summary>
    public static string Chromium => Tools.Require("Chromium (for --screenshots and the offline render checks)", "chromium",
                                                   "chromium", "chromium-browser", "google-chrome", "chrome");

    static string Run(string extraArgs, string html, int timeoutSeconds = 90)
    {
        var profile = Directory.CreateTempSubdirectory("wgan-chromium-").FullName;
        try
        {
            var psi = new ProcessStartInfo(Chromium,
                "--headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update --disable-sync --no-first-run " +
                $"--user-data-dir=\"{profile}\" --host-resolver-rules=\"MAP * ~NOTFOUND\" --virtual-time-budget=15000 {extraArgs} \"file://{Path.GetFullPath(html)}\"")
            { RedirectStandardOutput = true, RedirectStandardError = true };
            using var p = Process.Start(psi)!;
            var stdout = p.StandardOutput.ReadToEndAsync(); p.StandardError.ReadToEndAsync();
            if (!p.WaitForExit(TimeSpan.FromSeconds(timeoutSeconds))) { p.Kill(true); throw new TimeoutException("chromium did not finish"); }
            return stdout.Result;
        }
        finally { try { Directory.Delete(profile, true); } catch (IOException) { } }
    }

    /// <summary>The DOM after scripts ran (offline).</summary>
    public static string DumpDom(string html) => Run("--dump-dom", html);

    /// <summary>A PNG screenshot of the page (offline).</summary>
    public static void Screenshot(string html, string png, int width = 1200, int height = 2400) =>
        Run($"--screenshot=\"{Path.GetFullPath(png)}\" --window-size={width},{height} --hide-scrollbars", html);

    /// <summary>How many Plotly charts actually drew (each draws one svg.main-svg root... plotly draws two per chart).</summary>
    public static int PlotlyChartsDrawn(string dom) => System.Text.RegularExpressions.Regex.Matches(dom, "class=\"plot-container plotly\"").Count;
}
