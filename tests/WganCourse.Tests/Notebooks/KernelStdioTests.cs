// Timed blocking waits are the point here: a kernel or build that hangs must fail the test at its deadline.
#pragma warning disable xUnit1031
using System.Diagnostics;
using System.Text.Json;
using WganCourse.Runner.Execution;
using Xunit;
using Xunit.Abstractions;

namespace WganCourse.Tests.Notebooks;

/// <summary>
/// In the real kernel (the pinned dotnet-interactive, driven in stdio mode as VS Code drives it — no Python):
/// the stop button stops a long training cell within 2 s and the next cells work without a restart; a student's own
/// Plotly.NET.CSharp chart renders as a chart, offline, without its own copy of plotly.js.
/// </summary>
[Collection("notebooks")]
public class KernelStdioTests(ITestOutputHelper log)
{
    static string SetupCell() => SetupCellOf("00-setup-and-tour.ipynb");

    /// <summary>The first code cell (the shared set-up) of a course notebook.</summary>
    internal static string SetupCellOf(string notebook)
    {
        var nb = JsonDocument.Parse(File.ReadAllText(Path.Combine(TestPaths.Repo, "notebooks", notebook)));
        var cell = nb.RootElement.GetProperty("cells").EnumerateArray().First(c => c.GetProperty("cell_type").GetString() == "code");
        return string.Concat(cell.GetProperty("source").EnumerateArray().Select(s => s.GetString()));
    }

    static string Html(SubmitResult r) =>
        string.Concat(r.Outputs.Select(o => o.Values.GetValueOrDefault("text/html") ?? o.Values.GetValueOrDefault("text/plain") ?? ""));

    static SubmitResult Run(StdioKernel k, string code, int seconds = 300)
    {
        var t = k.SubmitAsync(code);
        Assert.True(t.Wait(TimeSpan.FromSeconds(seconds)), $"cell did not end within {seconds} s: {code}");
        return t.Result;
    }

    [Fact]
    public void Stop_button_stops_training_within_2_s_and_a_students_own_chart_draws_offline()
    {
        using var k = StdioKernel.Start(Path.Combine(TestPaths.Repo, "notebooks"),
            new Dictionary<string, string> { ["WGAN_COURSE_PROFILE"] = "smoke" });
        var setup = Run(k, SetupCell());
        Assert.True(setup.Succeeded, setup.Error + k.StdErr);
        var setupHtml = Html(setup);
        Assert.Contains("window.Plotly", setupHtml); // plotly.js once, from the setup cell

        // --- a student's own chart, returned from a cell and passed to display(...)
        var chart = Run(k, "using Plotly.NET.CSharp;\n" +
                           "var mine = Chart.Line<double, double, string>(x: new[] { 1.0, 2, 3, 4 }, y: new[] { 1.0, 4, 9, 16 });\n" +
                           "display(mine);\nmine");
        Assert.True(chart.Succeeded, chart.Error);
        var chartHtml = Html(chart);
        log.WriteLine($"student chart cell: {chart.Outputs.Count} outputs, {chartHtml.Length} characters of HTML");
        Assert.Equal(2, System.Text.RegularExpressions.Regex.Matches(chartHtml, "newPlot").Count);
        Assert.DoesNotContain("cdn.plot.ly", chartHtml);
        Assert.True(chartHtml.Length < 50_000, $"a chart's HTML is {chartHtml.Length} characters: plotly.js copied per chart?");
        var page = Path.Combine(Path.GetTempPath(), $"student-chart-{Guid.NewGuid():N}.html");
        File.WriteAllText(page, "<!doctype html><html><head><meta charset=\"utf-8\"></head><body>" + setupHtml + chartHtml + "</body></html>");
        if (Tools.Find("chromium") is not null)
        {
            Assert.Equal(2, Browser.PlotlyChartsDrawn(Browser.DumpDom(page))); // network off: drawn from the inlined plotly.js
            var keep = Path.Combine(TestPaths.Repo, "artifacts", "screenshots");
            Directory.CreateDirectory(keep);
            Browser.Screenshot(page, Path.Combine(keep, "student-chart-offline.png"), 900, 1000);
        }
        else log.WriteLine("chromium not installed: the offline drawing of the chart was not checked");

        // --- the stop button
        var models = Run(k, "using WganCourse.Data; using WganCourse.Models; using WganCourse.Objectives; using WganCourse.Training;\n" +
                            "using WganCourse.Plots;\nvar ring = Toy.Ring8();\nvar G = Mlp.Generator(latentDim: 2, outDim: 2, seed: 1);\n" +
                            "var D = Mlp.Critic(inDim: 2, seed: 2);\nG.parameters().Count()");
        Assert.True(models.Succeeded, models.Error);
        const string train = "var live = new LiveTraining(\"long run\", ring);\n" +
                             "Trainer.Run(new GanNonSaturating(), G, D, new ToyBatches(ring, seed: 1),\n" +
                             "    new TrainOptions { Steps = 10_000_000, BatchSize = 256, LogEvery = 20 }, live.Report)";
        var running = k.SubmitAsync(train);
        var wait = Stopwatch.StartNew();
        while (k.OutputsSoFar < 2 && wait.Elapsed < TimeSpan.FromMinutes(3) && !running.IsCompleted) Thread.Sleep(50);
        Assert.False(running.IsCompleted, "the training cell ended before it was stopped");
        Thread.Sleep(1000); // training for a while
        var clock = Stopwatch.StartNew();
        var cancel = k.CancelAsync();
        Assert.True(running.Wait(TimeSpan.FromSeconds(30)), "the training cell did not end within 30 s of the stop");
        var stopSeconds = clock.Elapsed.TotalSeconds;
        log.WriteLine($"stop → cell ended in {stopSeconds:0.000} s; cell result: {running.Result.Error}; outputs {running.Result.Outputs.Count}");
        Assert.False(running.Result.Succeeded);
        log.WriteLine("live display after the stop says 'stopped at step': " + Html(running.Result).Contains("stopped at step"));
        Assert.True(stopSeconds < 2, $"the cell answered {stopSeconds:0.00} s after the stop");
        Assert.True(cancel.Wait(TimeSpan.FromSeconds(30)));

        // training really stopped (not running on in the background): G does not change any more
        var still = Run(k, "float Sum() => G.parameters().Sum(p => p.detach().abs().sum().item<float>());\n" +
                           "var a = Sum(); System.Threading.Thread.Sleep(1500); var b = Sum();\n$\"{a == b} {a}\"", 120);
        Assert.True(still.Succeeded, still.Error);
        log.WriteLine($"G after the stop: {Html(still)}");
        Assert.Contains("True", Html(still));
        var again = Run(k, "var r = Trainer.Run(new GanNonSaturating(), G, D, new ToyBatches(ring, seed: 1),\n" +
                           "    new TrainOptions { Steps = 20, BatchSize = 64, LogEvery = 10 });\nr.History.Count", 120);
        Assert.True(again.Succeeded, again.Error);
        Assert.Contains("2", Html(again));
    }
}
