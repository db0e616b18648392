using TorchSharp;
using WganCourse.Data;
using WganCourse.Metrics;
using WganCourse.Runtime;
using WganCourse.Training;
using Xunit;
using static TorchSharp.torch;

namespace WganCourse.Tests.Training;

public class MatchedRingTests
{
    public MatchedRingTests()
    {
        Course.Setup();
        torch.set_num_threads(1);
    }

    static readonly GaussianMixture Ring = Toy.Ring8();
    const int N = 2500, OnePercent = 25;
    static double Sigma => Ring.Stds[0];
    static double Radius => Math.Sqrt(Ring.Means[0][0] * Ring.Means[0][0]
        + Ring.Means[0][1] * Ring.Means[0][1]);

    static RingOutcome Classify(Tensor samples) =>
        MatchedRing.Classify(ToyMetrics.Evaluate(samples, Ring), OnePercent);

    /// <summary>n samples on the given modes (equal shares), σ as the data's.</summary>
    static Tensor OnModes(int n, params int[] modes) => MatchedRingClaimsTests.OnModes(n, 5, modes);

    /// <summary>n samples on the ring's circle at the given angles (radians) with tangential
    /// jitter.</summary>
    static Tensor OnCircle(Tensor angles) =>
        stack(new[] { angles.cos(), angles.sin() }, 1) * (float)Radius;

    [Fact]
    public void Samples_of_the_data_itself_have_converged()
    {
        using var gen = Seeds.Generator(1);
        Assert.Equal(RingOutcome.Converged, Classify(Ring.Sample(N, gen)));
    }

    [Fact]
    public void A_generator_on_one_mode_has_collapsed()
    {
        Assert.Equal(RingOutcome.Collapsed, Classify(OnModes(N, 3)));
    }

    [Fact]
    public void At_most_half_of_the_modes_is_collapse_and_more_is_partial()
    {
        Assert.Equal(RingOutcome.Collapsed, Classify(OnModes(N, 0, 2, 4, 6)));
        Assert.Equal(RingOutcome.Partial, Classify(OnModes(N, 0, 1, 2, 4, 6)));
        Assert.Equal(RingOutcome.Partial, Classify(OnModes(N, 0, 1, 2, 3, 4, 5, 6)));
    }

    [Fact]
    public void Spread_along_the_ring_between_the_modes_is_not_converged_rather_than_collapsed()
    {
        using var gen = Seeds.Generator(2);
        // midway between neighbouring modes: no sample near a mode
        var k = randint(0, 8, new long[] { N }, generator: gen).to_type(float32);
        var between = (k + 0.5f) * (float)(Math.PI / 4) + randn(new long[] { N },
            generator: gen) * 0.05f;
        Assert.Equal(RingOutcome.NotConverged, Classify(OnCircle(between)));
        // evenly around the whole circle: ≈ 8 % near a mode, on every mode a little
        var uniform = rand(new long[] { N }, generator: gen) * (float)(2 * Math.PI);
        var report = ToyMetrics.Evaluate(OnCircle(uniform), Ring);
        Assert.InRange(report.HighQualityFraction, 0.03, 0.15);
        Assert.Equal(8, report.ModesWithAtLeast(1));
        Assert.Equal(RingOutcome.NotConverged, MatchedRing.Classify(report, OnePercent));
    }

    [Fact]
    public void A_generator_off_the_data_has_not_converged()
    {
        using var gen = Seeds.Generator(3);
        Assert.Equal(RingOutcome.NotConverged, Classify(randn(new long[] { N, 2 },
            generator: gen) * 0.1f));
    }

    [Fact]
    public void Most_samples_on_one_mode_and_the_rest_between_modes_is_collapse()
    {
        using var gen = Seeds.Generator(4);
        var rest = OnCircle(rand(new long[] { N * 2 / 5 }, generator: gen) * (float)(2 * Math.PI));
        Assert.Equal(RingOutcome.Collapsed, Classify(cat(new[] { OnModes(N * 3 / 5, 1), rest })));
    }

    [Fact]
    public void The_notebooks_objective_lists_split_the_five_rows()
    {
        Assert.Equal(new[] { RingObjective.LossA, RingObjective.LossB }, MatchedRing.Notebook03);
        Assert.Equal(new[] { RingObjective.LossB, RingObjective.WganClip, RingObjective.WganGpToy },
            MatchedRing.Notebook07);
        Assert.Equal(5, MatchedRing.Notebook08.Count);
        Assert.Equal(5, MatchedRing.Notebook08.Select(MatchedRing.Label).Distinct().Count());
        // the course command's stage trains what the notebooks read, solutions included
        Assert.Equal(MatchedRing.Notebook07, MatchedRing.ReadBy("solutions/07-wgan.ipynb"));
        Assert.Equal(MatchedRing.Notebook03, MatchedRing.ReadBy("03-kl-imbalance.ipynb"));
        Assert.Empty(MatchedRing.ReadBy("09-wgan-where-gan-fails.ipynb"));
        Assert.Equal(5, MatchedRing.Notebook08.Select(MatchedRing.CostRank).Distinct().Count());
    }

    static MatchedRingOptions Tiny(string? store) => new()
    {
        Steps = 6, Seeds = new[] { 1, 2 }, ReadAt = new[] { 3 }, BatchSize = 16, Hidden = 8,
        Samples = 200, StoreDirectory = store,
    };

    static string Digest(MatchedRingTable t) => string.Join("\n", t.Rows.Select(r =>
        $"{r.Objective} {r.Step} {r.RunSteps} {r.RunWallTime.Ticks} " + string.Join(",",
            r.Summary.Reports.Select(x => $"{x.HighQualityFraction:R}/{x.ReverseKl:R}/" +
                string.Join(".", x.Counts))) + " " + string.Join(",", r.Outcomes)));

    [Fact]
    public void A_stored_run_is_read_back_as_the_same_rows_and_says_so()
    {
        var dir = Directory.CreateTempSubdirectory("matched-ring-store").FullName;
        try
        {
            var objectives = new[] { RingObjective.LossB, RingObjective.WganGpToy };
            var trained = MatchedRing.Run(objectives, Tiny(dir));
            Assert.Equal(2, Directory.GetFiles(dir, "*.bin").Length);
            Assert.All(trained.Rows, r => Assert.StartsWith("trained here, stored as", r.Provenance));
            var read = MatchedRing.Run(objectives, Tiny(dir) with { KeepSamples = true });
            Assert.All(read.Rows, r => Assert.StartsWith("read from", r.Provenance));
            Assert.Equal(Digest(trained), Digest(read));
            Assert.Equal(new long[] { 2, 200, 2 }, read.Rows[0].Samples!.shape);
            // the final generators come back with their weights; the global generator is untouched
            // whether a row is trained or read
            var before = torch.get_rng_state().data<byte>().ToArray();
            var fresh = MatchedRing.Run(objectives, Tiny(null) with { KeepGenerators = true });
            Assert.Equal(before, torch.get_rng_state().data<byte>().ToArray());
            var stored = MatchedRing.Run(objectives, Tiny(dir) with { KeepGenerators = true });
            Assert.Equal(before, torch.get_rng_state().data<byte>().ToArray());
            Assert.Null(stored.Rows[0].Generator); // step 3 of 6: not the end
            var (g1, g2) = (fresh.FinalOf(RingObjective.WganGpToy).Generator!,
                            stored.FinalOf(RingObjective.WganGpToy).Generator!);
            Assert.All(g1.parameters().Zip(g2.parameters()), p => Assert.True(p.First.allclose(p.Second, rtol: 0, atol: 0)));
            using (var z = torch.randn(2, 5, 2))
                Assert.True(g1.call(z).allclose(g2.call(z), rtol: 0, atol: 0));
            // trained again rather than read: the stage's Retrain, or another setting (another key)
            var again = MatchedRing.Run(objectives, Tiny(dir) with { Retrain = true });
            Assert.All(again.Rows, r => Assert.StartsWith("trained here", r.Provenance));
            Assert.Equal(Digest(trained).Split('\n').Select(l => l.Split(' ')[0] + l.Split(' ')[4]),
                Digest(again).Split('\n').Select(l => l.Split(' ')[0] + l.Split(' ')[4]));
            var other = MatchedRing.Run(objectives, Tiny(dir) with { Samples = 300 });
            Assert.All(other.Rows, r => Assert.StartsWith("trained here", r.Provenance));
            Assert.Equal(4, Directory.GetFiles(dir, "*.bin").Length);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void The_budget_rule_reads_the_last_two_read_outs()
    {
        MatchedRingRow At(int step, Func<int, Tensor> samples) => Row(RingObjective.WganGpToy,
            samples) with { Step = step };
        Tensor Blob(int k) => randn(new long[] { N, 2 }, generator: Seeds.Generator(300 + k)) * 0.1f;
        Tensor Data(int k) => Ring.Sample(N, Seeds.Generator(400 + k));
        var o = Tiny(null);
        // 0 → 4 converged seeds: still moving
        var moving = new MatchedRingTable(new[] { At(3, Blob), At(6, Data) }, o with { Steps = 6 });
        Assert.False(moving.Plateau(RingObjective.WganGpToy)!.Value.Stopped);
        // the same data twice: stopped
        var still = new MatchedRingTable(new[] { At(3, Data), At(6, Data) }, o with { Steps = 6 });
        var p = still.Plateau(RingObjective.WganGpToy)!.Value;
        Assert.True(p.Stopped, p.Describe);
        Assert.Contains("3 → 6", p.Describe);
        // one read-out only: no judgement
        Assert.Null(new MatchedRingTable(new[] { At(6, Data) }, o).Plateau(RingObjective.WganGpToy));
    }

    [Fact]
    public void A_store_that_cannot_be_written_costs_the_store_not_the_row()
    {
        var dir = Directory.CreateTempSubdirectory("matched-ring-store").FullName;
        try
        {
            var blocked = Path.Combine(dir, "a-file");
            File.WriteAllText(blocked, "not a folder"); // the store's folder cannot be created here
            var t = MatchedRing.Run(new[] { RingObjective.LossA }, Tiny(Path.Combine(blocked, "store")));
            Assert.All(t.Rows, r => Assert.Contains("not stored", r.Provenance));
            Assert.Equal(2, t.Rows.Count);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void The_store_key_names_everything_that_decides_the_numbers()
    {
        var o = Tiny(null);
        int[] at = { 3, 6 };
        var key = MatchedRingStore.Key(RingObjective.LossA, o, at);
        foreach (var part in new[] { "objective=LossA", "steps=6", "readAt=3,6", "seeds=1,2",
                     "block=", "batch=16", "hidden=8", "samples=200", "device=", "threads=",
                     "ATEN_CPU_CAPABILITY=", "MKL_CBWR=", "machine=", "torchsharp=", "library=" })
            Assert.Contains(part, key);
        Assert.NotEqual(key, MatchedRingStore.Key(RingObjective.LossB, o, at));
        Assert.NotEqual(key, MatchedRingStore.Key(RingObjective.LossA, o with { Seeds = new[] { 1, 3 } },
            at));
        Assert.NotEqual(MatchedRingStore.PathOf("d", RingObjective.LossA, key),
            MatchedRingStore.PathOf("d", RingObjective.LossA, key + "x"));
    }

    [Fact]
    public void A_stored_file_of_another_key_or_cut_short_is_not_read()
    {
        var dir = Directory.CreateTempSubdirectory("matched-ring-store").FullName;
        try
        {
            var options = Tiny(dir);
            var only = new[] { RingObjective.LossA };
            MatchedRing.Run(only, options);
            var file = Directory.GetFiles(dir, "*.bin").Single();
            var key = MatchedRingStore.Key(RingObjective.LossA, options, new[] { 3, 6 });
            var entry = MatchedRingStore.TryLoad(file, key);
            Assert.NotNull(entry);
            Assert.Null(MatchedRingStore.TryLoad(file, key + "|other"));
            var bytes = File.ReadAllBytes(file);
            File.WriteAllBytes(file, bytes[..(bytes.Length / 2)]);
            Assert.Null(MatchedRingStore.TryLoad(file, key));
            var rerun = MatchedRing.Run(only, options);
            Assert.All(rerun.Rows, r => Assert.StartsWith("trained here", r.Provenance));
            Assert.NotNull(MatchedRingStore.TryLoad(file, key)); // written again, whole
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void A_tiny_run_returns_one_row_per_objective_and_read_out_step()
    {
        var options = new MatchedRingOptions
        {
            Steps = 6, Seeds = new[] { 1, 2, 3 }, ReadAt = new[] { 3 }, BatchSize = 16, Hidden = 8,
                Samples = 200,
        };
        var table = MatchedRing.Run(MatchedRing.Notebook03, options);
        Assert.Equal(4, table.Rows.Count);
        Assert.Equal(new[] { 3, 6, 3, 6 }, table.Rows.Select(r => r.Step));
        Assert.Equal(2, table.Final.Count);
        Assert.All(table.Rows, r =>
        {
            Assert.Equal(3, r.Outcomes.Count);
            Assert.Equal(3, r.Converged + r.Partial + r.Collapsed + r.NotConverged);
            Assert.Equal(2, r.Summary.MinSamples); // 1 % of 200
        });
        Assert.Contains("GAN loss B", table.ToMarkdown());
    }
    [Theory]
    [InlineData("ring")]
    [InlineData("bimodal")]
    public void Batched_toy_draws_equal_the_per_copy_draws_bit_for_bit(string which)
    {
        var target = which == "ring" ? Toy.Ring8() : Toy.Bimodal1D();
        int[] seeds = { 1, 2, 3, 4 };
        var one = seeds.Select(s => new ToyBatches(target, s)).ToList();
        var each = seeds.Select(s => new ToyBatches(target, s)).ToList();
        for (int step = 0; step < 3; step++)
        {
            using var expected = stack(one.Select(b => b.Next(64).X).ToArray());
            using var got = ToyBatches.NextEach(each, 64)!;
            Assert.True(expected.allclose(got, rtol: 0, atol: 0), $"draw {step}");
        }
        Assert.Null(ToyBatches.NextEach(new[] { new ToyBatches(Toy.SwissRoll(), 1) }, 8));
    }
    static MatchedRingRow Row(RingObjective o, Func<int, Tensor> samples)
    {
        var reports = Enumerable.Range(0, 4).Select(k => ToyMetrics.Evaluate(samples(k),
            Ring)).ToList();
        var summary = ToyMetrics.Summarise(reports);
        return new MatchedRingRow(o, o.ToString(), 100, summary,
            reports.Select(r => MatchedRing.Classify(r, summary.MinSamples)).ToList(),
                TimeSpan.Zero, 100);
    }

    [Fact]
    public void Ordering_compares_runs_on_the_data_and_is_not_converged_for_a_spread_generator()
    {
        using var gen = Seeds.Generator(6);
        var good = Row(RingObjective.WganGpToy, k => Ring.Sample(N, gen));
        var collapsed = Row(RingObjective.LossB, k => OnModes(N, k, (k + 4) % 8));
        var spread = Row(RingObjective.LossB, k => OnCircle(rand(new long[] { N },
            generator: gen) * 6.283f));
        Assert.Equal(4, collapsed.Collapsed);
        Assert.Equal(4, good.Converged);
        Assert.Equal(OrderingOutcome.Holds, MatchedRing.Ordering(collapsed, good,
            modeMargin: 2).Outcome);
        Assert.Equal(OrderingOutcome.DoesNotHold, MatchedRing.Ordering(good, collapsed,
            modeMargin: 2).Outcome);
        Assert.Equal(OrderingOutcome.NotConverged, MatchedRing.Ordering(spread, good,
            modeMargin: 2).Outcome);
    }
}
