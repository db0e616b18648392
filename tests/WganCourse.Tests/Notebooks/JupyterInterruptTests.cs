using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using WganCourse.Runner.Execution;
using WganCourse.Runner.Grading;
using Xunit;
using Xunit.Abstractions;

namespace WganCourse.Tests.Notebooks;

/// <summary>
/// Jupyter's interrupt in the real kernel (the pinned dotnet-interactive with the kernelspec `jupyter install`
/// writes: no interrupt_mode, so Jupyter sends SIGINT), driven by jupyter_client as JupyterLab drives it: a long
/// training cell answers within 2 s, the model stays as it was, and the next training cell runs in the same kernel.
/// Before <c>Kernel.CatchInterrupt</c> the SIGINT shut the kernel down.
/// </summary>
[Collection("notebooks")]
public class JupyterInterruptTests(ITestOutputHelper log)
{
    static string FirstCodeCell(string notebook)
    {
        var nb = JsonNode.Parse(File.ReadAllText(notebook))!;
        var cell = nb["cells"]!.AsArray().First(c => (string?)c!["cell_type"] == "code" &&
                                                      NotebookJson.Source(c!).Contains("Notebook.Setup("));
        return NotebookJson.Source(cell!);
    }

    [JupyterFact]
    public void Jupyter_interrupt_stops_training_within_2_s_and_the_kernel_lives_on()
    {
        var notebooks = Path.Combine(TestPaths.Repo, "notebooks");
        var cells = new JsonObject
        {
            ["setup"] = FirstCodeCell(Path.Combine(notebooks, "01-gan-objective.ipynb")),
            ["models"] = "using WganCourse.Data; using WganCourse.Models; using WganCourse.Objectives;\n" +
                         "using WganCourse.Training; using WganCourse.Plots;\nvar ring = Toy.Ring8();\n" +
                         "var G = Mlp.Generator(latentDim: 2, outDim: 2, seed: 1);\nvar D = Mlp.Critic(inDim: 2, seed: 2);\n" +
                         "G.parameters().Count()",
            ["train"] = "var live = new LiveTraining(\"long run\", ring);\n" +
                        "Trainer.Run(new GanNonSaturating(), G, D, new ToyBatches(ring, seed: 1),\n" +
                        "    new TrainOptions { Steps = 10_000_000, BatchSize = 256, LogEvery = 20 }, live.Report)",
            ["check"] = "float Sum() => G.parameters().Sum(p => p.detach().abs().sum().item<float>());\n" +
                        "var a = Sum(); System.Threading.Thread.Sleep(1500); var b = Sum();\n$\"unchanged {a == b} {a}\"",
            ["again"] = "var r = Trainer.Run(new GanNonSaturating(), G, D, new ToyBatches(ring, seed: 1),\n" +
                        "    new TrainOptions { Steps = 20, BatchSize = 64, LogEvery = 10 });\n$\"history {r.History.Count}\"",
        };
        var cellsFile = Path.Combine(Path.GetTempPath(), $"jupyter-interrupt-{Guid.NewGuid():N}.json");
        File.WriteAllText(cellsFile, cells.ToJsonString());
        var psi = new ProcessStartInfo(NotebookExecutor.Python)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = notebooks,
        };
        foreach (var a in new[] { Path.Combine(TestPaths.Repo, "tests", "WganCourse.Tests", "Notebooks", "jupyter_interrupt.py"),
                                  ".net-csharp", notebooks, cellsFile })
            psi.ArgumentList.Add(a);
        psi.Environment["JUPYTER_PATH"] = NotebookExecutor.EnsureKernelSpec();
        psi.Environment["WGAN_COURSE_PROFILE"] = "smoke";
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        var outText = p.StandardOutput.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(15)))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail("the Jupyter driver did not end within 15 minutes");
        }
        var line = outText.Result.Split('\n').LastOrDefault(l => l.StartsWith('{'));
        Assert.True(line is not null, "no result from the driver: " + outText.Result + err.Result[^Math.Min(3000, err.Result.Length)..]);
        log.WriteLine(line);
        var r = JsonNode.Parse(line)!;
        Assert.Equal("signal", (string?)r["interrupt_mode"]); // the kernelspec as `dotnet interactive jupyter install` writes it
        Assert.True((string?)r["setup"]?["status"] == "ok", "set-up cell: " + r["setup"]);
        Assert.True((int?)r["train_shown"] >= 2, "training never showed its live display before the interrupt");
        var stop = (double?)r["stop_seconds"];
        Assert.True(stop is not null, "no execute_reply within 60 s of the interrupt: " + r["train"]);
        log.WriteLine($"interrupt → execute_reply in {stop:0.000} s ({r["train"]?["error"]})");
        Assert.True(stop < 2, $"execute_reply came {stop:0.00} s after the interrupt");
        Assert.Equal("error", (string?)r["train"]?["status"]);
        Assert.True((bool?)r["alive"] == true, "the kernel died on the interrupt");
        Assert.True((string?)r["check"]?["status"] == "ok", "check cell: " + r["check"]);
        Assert.Contains("unchanged True", string.Concat(r["check"]!["outputs"]!.AsArray().Select(o => (string?)o)));
        Assert.True((string?)r["again"]?["status"] == "ok", "next training cell: " + r["again"]);
        Assert.Contains("history 2", string.Concat(r["again"]!["outputs"]!.AsArray().Select(o => (string?)o)));
    }
}
