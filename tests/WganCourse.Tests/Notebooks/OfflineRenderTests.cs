using WganCourse.Runner.Execution;
using Xunit;

namespace WganCourse.Tests.Notebooks;

/// <summary>
/// Every chart type the course draws renders in the real kernel (FSharp.Core bridge) and draws in a browser with
/// all network lookups failing (plotly.js inlined, no CDN): executed notebook → nbconvert HTML → headless Chromium.
/// </summary>
[Collection("notebooks")]
public class OfflineRenderTests
{
    [JupyterFact]
    public void Every_chart_type_draws_offline_in_headless_chromium()
    {
        var r = RunnerProcess.Run("reproduce", "--profile", "smoke", "--screenshots", "--out", "{out}", RunnerProcess.Fixture("charts.ipynb"));
        Assert.True(r.ExitCode == 0, r.Output);
        var html = Path.Combine(r.OutDir, "html", "charts.html");
        Assert.True(File.Exists(html), "nbconvert did not write " + html);
        Assert.DoesNotMatch("<script[^>]*src=\"https?://", File.ReadAllText(html)); // nothing fetched from a CDN

        var dom = Browser.DumpDom(html);
        Assert.Equal(6, Browser.PlotlyChartsDrawn(dom)); // 5 charts + the final state of the live chart
        Assert.Contains("data:image/png;base64,", dom);   // the image grid

        var png = Path.Combine(r.OutDir, "screenshots", "charts.png");
        Assert.True(new FileInfo(png).Length > 50_000, "screenshot missing or blank");
        var keep = Path.Combine(TestPaths.Repo, "artifacts", "screenshots");
        Directory.CreateDirectory(keep);
        File.Copy(png, Path.Combine(keep, "offline-render-charts.png"), overwrite: true); // for people to look at
    }
}
