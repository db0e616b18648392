using Xunit;

namespace WganCourse.Tests.Notebooks;

/// <summary>The runner executes fixture notebooks in the real dotnet-interactive kernel and judges them correctly.</summary>
[Collection("notebooks")]
public class RunnerTests
{
    [JupyterFact]
    public void A_good_notebook_passes_and_its_claim_is_recorded()
    {
        var r = RunnerProcess.Run("reproduce", "--profile", "smoke", "--no-html", "--out", "{out}", RunnerProcess.Fixture("good.ipynb"));
        Assert.True(r.ExitCode == 0, r.Output);
        var claim = Assert.Single(r.Claims.EnumerateArray());
        Assert.Equal("fx.good", claim.GetProperty("id").GetString());
        Assert.True(claim.GetProperty("passed").GetBoolean());
        Assert.Equal("good.ipynb", claim.GetProperty("notebook").GetString());
        Assert.True(File.Exists(Path.Combine(r.OutDir, "notebooks", "good.ipynb")), "executed copy missing");
        Assert.Contains("fx.good", File.ReadAllText(Path.Combine(r.OutDir, "report.html")));
    }

    /// <summary>.ci/run passes a relative --out (artifacts/held-out-generic); the kernel runs in notebooks/, so a relative
    /// claims path resolved there and every claim cell failed until the runner made it absolute.</summary>
    [JupyterFact]
    public void A_relative_out_folder_is_taken_from_where_the_runner_was_started()
    {
        var relative = Path.Combine("artifacts", $"relative-out-{Guid.NewGuid():N}");
        try
        {
            var r = RunnerProcess.Run("reproduce", "--profile", "smoke", "--no-html", "--out", relative,
                                      RunnerProcess.Fixture("good.ipynb"));
            Assert.True(r.ExitCode == 0, r.Output);
            var claims = Path.Combine(TestPaths.Repo, relative, "claims.json");
            Assert.True(File.Exists(claims), $"no {claims}:\n{r.Output}");
            Assert.Contains("fx.good", File.ReadAllText(claims));
        }
        finally
        {
            var dir = Path.Combine(TestPaths.Repo, relative);
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }

    [JupyterFact]
    public void A_failing_claim_fails_the_run_but_later_cells_still_run()
    {
        var r = RunnerProcess.Run("reproduce", "--profile", "smoke", "--no-html", "--out", "{out}", RunnerProcess.Fixture("failing-claim.ipynb"));
        Assert.Equal(1, r.ExitCode);
        var claims = r.Claims.EnumerateArray().ToDictionary(c => c.GetProperty("id").GetString()!, c => c.GetProperty("passed").GetBoolean());
        Assert.False(claims["fx.fails"]);
        Assert.True(claims["fx.after"]);
        Assert.Contains("1 claim(s) failed", r.Output);
    }

    [JupyterFact]
    public void A_throwing_cell_stops_the_notebook_and_is_reported_with_its_index()
    {
        var r = RunnerProcess.Run("reproduce", "--profile", "smoke", "--no-html", "--out", "{out}", RunnerProcess.Fixture("throwing-cell.ipynb"));
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("CellFailed at cell 2", r.Output);
        Assert.Contains("fixture: this cell throws", r.Output);
        Assert.Empty(r.Claims.EnumerateArray()); // the cell after the throw never ran
    }

    /// <summary>A cell failing with the signature of TorchSharp's Scalar race (docs/PLATFORMS.md) makes the runner
    /// run the notebook again, at most twice, and report the failure when it persists; an ordinary throw does not
    /// (the test above: one run).</summary>
    [JupyterFact]
    public void A_cell_that_hits_the_scalar_race_runs_the_notebook_again_at_most_twice()
    {
        var r = RunnerProcess.Run("reproduce", "--profile", "smoke", "--no-html", "--out", "{out}",
                                  RunnerProcess.Fixture("scalar-race.ipynb"));
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("hit TorchSharp's Scalar race", r.Output);
        Assert.Contains("running the notebook again (1 of at most 2)", r.Output);
        Assert.Contains("running the notebook again (2 of at most 2)", r.Output);
        Assert.DoesNotContain("(3 of", r.Output);
        Assert.Contains("CellFailed at cell 2", r.Output);
        Assert.Empty(r.Claims.EnumerateArray());
    }

    /// <summary>--jobs 2 (the default on two cores): two kernels at once, the report in the order given.</summary>
    [Fact]
    public void Two_notebooks_at_once_are_reported_in_notebook_order_with_every_claim()
    {
        var r = RunnerProcess.Run("reproduce", "--profile", "smoke", "--no-html", "--jobs", "2",
            "--out", "{out}", RunnerProcess.Fixture("failing-claim.ipynb"), RunnerProcess.Fixture("good.ipynb"));
        Assert.True(r.ExitCode == 1, r.Output); // the failing claim still fails the run
        Assert.Contains("2 notebooks, 2 at a time", r.Output);
        var ids = r.Claims.EnumerateArray().Select(c => c.GetProperty("id").GetString()).ToArray();
        Assert.True(ids.SequenceEqual(new[] { "fx.fails", "fx.after", "fx.good" }),
                    string.Join(", ", ids) + "\n" + r.Output);
        Assert.Contains("good.ipynb │", r.Output); // each line names its notebook
        foreach (var nb in new[] { "failing-claim.ipynb", "good.ipynb" })
            Assert.True(File.Exists(Path.Combine(r.OutDir, "notebooks", nb)), "no executed copy of " + nb);
        Assert.Contains("1 claim(s) failed", r.Output);
    }

    /// <summary>The matched-ring stage (issue #21): a notebook that reads the matched ring gets its rows trained
    /// first, by the stage, and reads them from the store instead of training them in its kernel.</summary>
    [Fact]
    public void The_matched_ring_stage_trains_07s_rows_first_and_the_notebook_reads_them()
    {
        var nb = Path.Combine(TestPaths.Repo, "notebooks", "07-wgan.ipynb");
        var r = RunnerProcess.Run("reproduce", "--profile", "smoke", "--no-html", "--jobs", "2",
            "--out", "{out}", nb);
        Assert.True(r.ExitCode == 0, r.Output);
        Assert.Contains("1 notebooks + 3 matched-ring runs", r.Output);
        foreach (var row in new[] { "GAN loss B (non-sat.)", "WGAN clip (Alg. 1)", "WGAN-GP (gan_toy.py)" })
            Assert.Contains($"stage: matched ring, {row}", r.Output);
        Assert.DoesNotContain("WGAN-SN", r.Output); // 07 does not read it: not trained
        var executed = File.ReadAllText(Path.Combine(r.OutDir, "notebooks", "07-wgan.ipynb"));
        foreach (var o in new[] { "LossB", "WganClip", "WganGpToy" })
            Assert.Matches($"read from {o}-[0-9a-f]{{16}}\\.bin", executed);
        Assert.DoesNotContain("trained here, stored as", executed);
    }

    [Fact]
    public void A_job_count_below_one_is_refused_with_a_message()
    {
        var r = RunnerProcess.Run("reproduce", "--jobs", "0", RunnerProcess.Fixture("good.ipynb"));
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--jobs takes a whole number", r.Output);
    }

    [JupyterFact]
    public void A_notebook_over_its_time_limit_is_killed_and_reported()
    {
        // a cell that sleeps a minute: a fast machine with a warm kernel finished good.ipynb within 3 s
        var r = RunnerProcess.Run("reproduce", "--profile", "smoke", "--no-html", "--timeout", "5", "--out", "{out}", RunnerProcess.Fixture("slow.ipynb"));
        Assert.True(r.ExitCode == 1, r.Output);
        Assert.Contains("Timeout", r.Output);
    }
}
