using System.Diagnostics;
using System.Text.Json.Nodes;
using Xunit;
using Documents = Microsoft.DotNet.Interactive.Documents;
using Jupyter = Microsoft.DotNet.Interactive.Documents.Jupyter.Notebook;

namespace WganCourse.Tests.Notebooks;

/// <summary>The runner without Python: notebooks executed through the kernel's stdio protocol (WGAN_COURSE_ENGINE=stdio)
/// are judged as through Jupyter's client, and Ctrl+C ends the kernel and still writes the report.</summary>
[Collection("notebooks")]
public class StdioRunnerTests
{
    static readonly Dictionary<string, string> Stdio = new() { ["WGAN_COURSE_ENGINE"] = "stdio" };

    [Fact]
    public void A_good_notebook_passes_and_a_throwing_cell_stops_its_notebook()
    {
        var good = RunnerProcess.RunWith(Stdio, "reproduce", "--profile", "smoke", "--no-html", "--out", "{out}", RunnerProcess.Fixture("good.ipynb"));
        Assert.True(good.ExitCode == 0, good.Output);
        var claim = Assert.Single(good.Claims.EnumerateArray());
        Assert.True(claim.GetProperty("passed").GetBoolean());
        var executed = JsonNode.Parse(File.ReadAllText(Path.Combine(good.OutDir, "notebooks", "good.ipynb")))!;
        Assert.Contains(executed["cells"]!.AsArray(), c => c!["outputs"] is JsonArray { Count: > 0 }); // outputs kept

        var bad = RunnerProcess.RunWith(Stdio, "reproduce", "--profile", "smoke", "--no-html", "--out", "{out}", RunnerProcess.Fixture("throwing-cell.ipynb"));
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains("CellFailed at cell 2", bad.Output);
        Assert.Contains("fixture: this cell throws", bad.Output);
        Assert.Empty(bad.Claims.EnumerateArray());
    }

    [Fact]
    public void The_executed_copy_keeps_outputs_mime_types_and_cell_metadata_through_a_round_trip()
    {
        var input = RunnerProcess.Fixture("charts.ipynb");
        var r = RunnerProcess.RunWith(Stdio, "reproduce", "--profile", "smoke", "--no-html",
                                      "--out", "{out}", input);
        Assert.True(r.ExitCode == 0, r.Output);
        var path = Path.Combine(r.OutDir, "notebooks", "charts.ipynb");
        var json = JsonNode.Parse(File.ReadAllText(path))!;
        Assert.Equal(4, (int)json["nbformat"]!);
        Assert.Equal(5, (int)json["nbformat_minor"]!);
        var kernelInfo = json["metadata"]!["polyglot_notebook"]!["kernelInfo"]!;
        Assert.Equal("csharp", (string?)kernelInfo["defaultKernelName"]);

        // read back with the same library VS Code's extension uses
        var doc = Jupyter.Parse(File.ReadAllText(path));
        var source = Jupyter.Parse(File.ReadAllText(input));
        Assert.Equal(source.Elements.Select(e => e.Id), doc.Elements.Select(e => e.Id));
        Assert.Equal(source.Elements.Select(e => e.Contents), doc.Elements.Select(e => e.Contents));
        var code = doc.Elements.Where(e => e.KernelName != "markdown").ToList();
        Assert.Equal(8, code.Count);
        Assert.All(code, c => Assert.Equal("csharp", c.KernelName)); // the name VS Code reads
        Assert.Equal(Enumerable.Range(1, code.Count), code.Select(c => c.ExecutionOrder));
        Assert.All(code, c => Assert.NotEmpty(c.Outputs));
        static string Html(IDictionary<string, object> data) =>
            !data.TryGetValue("text/html", out var v) ? ""
            : v as string ?? string.Concat((IEnumerable<object>)v);
        // the set-up cell's display carries plotly.js; each chart cell returns an HTML chart
        var displays = code[0].Outputs.OfType<Documents.DisplayElement>();
        Assert.Contains(displays, d => Html(d.Data).Contains("Plotly"));
        foreach (var chart in code.Skip(1).Take(5))
        {
            var value = Assert.Single(chart.Outputs.OfType<Documents.ReturnValueElement>());
            Assert.Contains("newPlot", Html(value.Data));
            Assert.Equal(chart.ExecutionOrder, value.ExecutionOrder);
        }
        Assert.DoesNotContain(code.SelectMany(c => c.Outputs), o => o is Documents.ErrorElement);
    }

    [Fact]
    public void Ctrl_C_ends_the_kernel_and_its_children_and_still_writes_the_report()
    {
        if (!OperatingSystem.IsLinux()) return; // SIGINT sent with kill(1)
        var dir = Directory.CreateTempSubdirectory("wgan-ctrlc-").FullName;
        var nb = JsonNode.Parse(File.ReadAllText(RunnerProcess.Fixture("good.ipynb")))!;
        // the fixture's `#r "../../../lib/..."` must still resolve: absolute path instead
        foreach (var c in nb["cells"]!.AsArray())
            if (c!["source"] is JsonArray src)
                for (int i = 0; i < src.Count; i++)
                    src[i] = src[i]!.GetValue<string>().Replace("../../../lib/", Path.Combine(TestPaths.Repo, "lib") + "/");
        nb["cells"]!.AsArray().Add(new JsonObject
        {
            ["cell_type"] = "code", ["execution_count"] = null, ["metadata"] = new JsonObject(), ["outputs"] = new JsonArray(),
            ["source"] = new JsonArray("// long cell\n", "System.Threading.Thread.Sleep(600_000);"),
        });
        var path = Path.Combine(dir, "long.ipynb");
        File.WriteAllText(path, nb.ToJsonString());
        var outDir = Path.Combine(dir, "out");
        // env --default-signal: a shell that started the tests in the background (`cmd &`) left SIGINT ignored, and
        // children inherit that — the runner would then never see the Ctrl+C this test sends
        var psi = new ProcessStartInfo("env") { WorkingDirectory = TestPaths.Repo, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "--default-signal=INT", "dotnet", Path.Combine(AppContext.BaseDirectory, "WganCourse.Runner.dll"), "reproduce", "--profile", "smoke", "--no-html", "--out", outDir, path })
            psi.ArgumentList.Add(a);
        psi.Environment["WGAN_COURSE_ENGINE"] = "stdio";
        psi.Environment["COLUMNS"] = "200";
        using var p = Process.Start(psi)!;
        var output = new System.Text.StringBuilder();
        var longCellStarted = new ManualResetEventSlim();
        p.OutputDataReceived += (_, e) => { if (e.Data is null) return; lock (output) output.AppendLine(e.Data); if (e.Data.Contains("// long cell")) longCellStarted.Set(); };
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        p.BeginOutputReadLine(); p.BeginErrorReadLine();
        try
        {
            Assert.True(longCellStarted.Wait(TimeSpan.FromMinutes(10)), "the long cell never started:\n" + output);
            Thread.Sleep(2000);
            var kernels = KernelsIn(dir);
            Assert.NotEmpty(kernels);
            using (var kill = Process.Start("kill", $"-INT {p.Id}")!) kill.WaitForExit();
            // generous: other tests (grading's hostile students) may keep the 2 cores busy meanwhile
            Assert.True(p.WaitForExit(180_000), "the runner did not end within 180 s of Ctrl+C:\n" + output);
            p.WaitForExit();
            Assert.Equal(1, p.ExitCode);
            Assert.Contains("stopped (Ctrl+C)", output.ToString());
            Assert.True(File.Exists(Path.Combine(outDir, "report.html")), "no report after Ctrl+C");
            Assert.Contains("Stopped", File.ReadAllText(Path.Combine(outDir, "report.html")));
            Thread.Sleep(1000);
            Assert.Empty(KernelsIn(dir)); // the kernel (and its children) ended with the run
        }
        finally
        {
            if (!p.HasExited) p.Kill(true);
            foreach (var k in KernelsIn(dir)) try { Process.GetProcessById(k).Kill(true); } catch (ArgumentException) { }
            try { Directory.Delete(dir, true); } catch (IOException) { }
        }
    }

    /// <summary>Processes whose working directory is <paramref name="dir"/> (the kernel runs in the notebook's folder).</summary>
    static List<int> KernelsIn(string dir) =>
        Directory.GetDirectories("/proc").Select(d => int.TryParse(Path.GetFileName(d), out var id) ? id : -1).Where(id => id > 0)
            .Where(id => { try { return new DirectoryInfo($"/proc/{id}/cwd").ResolveLinkTarget(false)?.FullName == dir; } catch (Exception) { return false; } })
            .ToList();
}
