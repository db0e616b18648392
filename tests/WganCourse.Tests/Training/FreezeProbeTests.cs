using TorchSharp;
using WganCourse.Claims;
using WganCourse.Data;
using WganCourse.Divergences;
using WganCourse.Models;
using WganCourse.Runtime;
using WganCourse.Tests.Notebooks;
using WganCourse.Training;
using Xunit;
using static TorchSharp.torch;

namespace WganCourse.Tests.Training;

/// <summary>
/// Notebook 07 §3 (freeze and probe): the probe cell is the library's <see cref="FreezeProbe.Probe"/> line for line;
/// on generators of known quality the probe passes the notebook's claims; broken probes — a constant, a random order,
/// the order reversed — and the saturating JS reading fail them.
/// </summary>
public class FreezeProbeTests
{
    public FreezeProbeTests() => Course.Setup();

    const string Begin = "// ---- freeze and probe (notebook 07) ----", End = "// ---- end of the probe ----";

    static readonly GaussianMixture Ring = Toy.Ring8();
    /// <summary>The gradient-penalty probe's steps in these tests (the notebook's cpu budget).</summary>
    const int Steps = 200;

    [Fact]
    public void The_notebook_probe_cell_is_the_library_probe_line_for_line()
    {
        var cell = VisibleCode.Marked(VisibleCode.CellHolding("notebooks/07-wgan.ipynb", Begin), Begin, End);
        var library = VisibleCode.Marked(File.ReadAllLines(Path.Combine(TestPaths.Repo,
            "lib/WganCourse/Training/FreezeProbe.cs")), Begin, End)
            .Select(l => l.StartsWith("public static ") ? l["public static ".Length..] : l).ToArray();
        Assert.Equal(library, cell);
        var solution = VisibleCode.Marked(VisibleCode.CellHolding("notebooks/solutions/07-wgan.ipynb", Begin), Begin, End);
        Assert.Equal(library, solution);
    }

    /// <summary>Synthetic "runs" of known quality: the ring shrunk towards its centre and blurred, more in early
    /// checkpoints; six runs of three checkpoints.</summary>
    static List<(string Run, int Step, Sampler G)> Synthetic()
    {
        var list = new List<(string, int, Sampler)>();
        for (int r = 0; r < 6; r++)
            for (int k = 0; k < 3; k++)
            {
                double shrink = 0.35 + 0.1 * r + 0.2 * k, sigma = 0.3 / (1 + r + 2 * k);
                list.Add(($"run {r}", k, FreezeProbe.WithNoise((n, gen) => Ring.Sample(n, gen) * shrink, sigma)));
            }
        return list;
    }

    static double W1(Sampler g)
    {
        using var gen = Seeds.Generator(76);
        using var refGen = Seeds.Generator(71);
        return Wasserstein.UniformPoints(g(300, gen), Ring.Sample(300, refGen));
    }

    static ClaimResult OrderClaim(BootstrapRho b) => Claim.AtLeast("07.probe-orders-by-w1", "test", "test",
        FreezeProbe.OrderThreshold, b.Lower);

    [Fact]
    public void A_trained_probe_orders_generators_of_known_quality_and_broken_probes_fail()
    {
        var gens = Synthetic();
        var runs = gens.Select(g => g.Run).ToList();
        var w1 = gens.Select(g => W1(g.G)).ToList();
        var estimate = FreezeProbe.Probe(Ring.Sample, gens.Select(g => g.G).ToList(), Steps, ProbeKind.Gp).ToList();
        var good = FreezeProbe.SpearmanOverRuns(runs, estimate, w1, seed: 77);
        Assert.True(OrderClaim(good).Passed, $"trained probe: ρ {good.Rho}, lower {good.Lower}");

        var constant = FreezeProbe.SpearmanOverRuns(runs, estimate.Select(_ => 0.5).ToList(), w1, seed: 77);
        Assert.False(OrderClaim(constant).Passed);
        Assert.Equal(-1, constant.Lower);

        var rng = new Random(5);
        var shuffled = estimate.OrderBy(_ => rng.Next()).ToList();
        var random = FreezeProbe.SpearmanOverRuns(runs, shuffled, w1, seed: 77);
        Assert.False(OrderClaim(random).Passed, $"random order: ρ {random.Rho}, lower {random.Lower}");

        var reversed = FreezeProbe.SpearmanOverRuns(runs, estimate.Select(e => -e).ToList(), w1, seed: 77);
        Assert.False(OrderClaim(reversed).Passed);

        // an untrained critic (0 steps) reads its initialisation's E f(x) − E f(G(z)): no ordering
        var untrained = FreezeProbe.Probe(Ring.Sample, gens.Select(g => g.G).ToList(), 0, ProbeKind.Gp).ToList();
        var none = FreezeProbe.SpearmanOverRuns(runs, untrained, w1, seed: 77);
        Assert.False(OrderClaim(none).Passed, $"untrained: ρ {none.Rho}, lower {none.Lower}");
    }

    [Theory]
    [InlineData(ProbeKind.Gp)]
    [InlineData(ProbeKind.Clipped)]
    [InlineData(ProbeKind.Gan)]
    public void A_generator_read_together_with_others_gets_the_reading_it_gets_alone(ProbeKind kind)
    {
        // the copies train side by side on their own losses: generator k's reading must not depend on the others
        var noisy = Budgets.DegradeScales.Select(s => FreezeProbe.WithNoise(Ring.Sample, s)).ToList();
        var together = FreezeProbe.Probe(Ring.Sample, noisy, 60, kind);
        double tolerance = 1e-4 * together.Max(Math.Abs); // rounding only: bmm over 5 copies against 1
        for (int k = 0; k < noisy.Count; k++)
        {
            double alone = FreezeProbe.Probe(Ring.Sample, new[] { noisy[k] }, 60, kind)[0];
            Assert.Equal(alone, together[k], tolerance);
        }
        // and the readings differ between generators (the copies did not all read generator 0)
        Assert.True(together.Distinct().Count() == together.Length, string.Join(" ", together));
    }

    [Fact]
    public void The_bootstrap_resamples_runs_not_checkpoints()
    {
        // two runs that agree perfectly and one that is reversed: checkpoints as units would hide the bad run
        var runs = new[] { "a", "a", "a", "b", "b", "b", "c", "c", "c" };
        var y = new double[] { 1, 2, 3, 4, 5, 6, 7, 8, 9 };
        var x = new double[] { 1, 2, 3, 4, 5, 6, 9, 8, 7 };
        var b = FreezeProbe.SpearmanOverRuns(runs, x, y, seed: 1);
        Assert.Equal(3, b.Runs);
        Assert.True(b.Lower < b.Rho);
        Assert.Throws<ArgumentException>(() => FreezeProbe.SpearmanOverRuns(new[] { "a", "a", "b" },
            new double[] { 1, 2, 3 }, new double[] { 1, 2, 3 }, seed: 1));
    }

    [Fact]
    public void Graded_noise_raises_W1_and_the_estimate_and_a_constant_or_untrained_probe_fails()
    {
        Sampler best = (n, gen) => Ring.Sample(n, gen);
        var noisy = Budgets.DegradeScales.Select(s => FreezeProbe.WithNoise(best, s)).ToList();
        Assert.True(FreezeProbe.StrictlyIncreasing(noisy.Select(W1).ToList()));
        var estimate = FreezeProbe.Probe(Ring.Sample, noisy, Steps, ProbeKind.Gp).ToList();
        Assert.True(FreezeProbe.StrictlyIncreasing(estimate), string.Join(" ", estimate));
        Assert.False(FreezeProbe.StrictlyIncreasing(estimate.Select(_ => 1.0).ToList()));
        Assert.False(FreezeProbe.StrictlyIncreasing(estimate.AsEnumerable().Reverse().ToList()));
        Assert.False(FreezeProbe.StrictlyIncreasing(new[] { 1.0, double.NaN, 3.0 }));
        var untrained = FreezeProbe.Probe(Ring.Sample, noisy, 0, ProbeKind.Gp).ToList();
        Assert.False(FreezeProbe.StrictlyIncreasing(untrained), string.Join(" ", untrained));
        // the penalised probe reads W₁'s own scale at σ = 0.8 (within a factor 2; at small σ the 300-point W₁ is
        // dominated by its finite-sample bias, at σ = 1.6 the soft penalty lets f grow steeper than 1 and it reads
        // about twice W₁, as notebook 07 says); the clipped one K·W₁ with K ≪ 1, and it grows too
        int at08 = Array.IndexOf(Budgets.DegradeScales, 0.8);
        Assert.InRange(estimate[at08] / W1(noisy[at08]), 0.5, 2);
        var clipped = FreezeProbe.Probe(Ring.Sample, noisy, 300, ProbeKind.Clipped).ToList();
        Assert.True(FreezeProbe.StrictlyIncreasing(clipped), string.Join(" ", clipped));
        Assert.True(clipped.Max() < 0.01 * estimate.Max());
    }

    [Fact]
    public void The_discriminator_reads_JS_near_zero_on_the_data_and_near_log_2_on_a_separated_generator()
    {
        var js = FreezeProbe.Probe(Ring.Sample, new Sampler[] { Ring.Sample, (n, gen) => Ring.Sample(n, gen) + 5 }, 300,
            ProbeKind.Gan);
        var (onData, separated) = (js[0], js[1]);
        Assert.InRange(onData, -0.05, 0.05);
        Assert.InRange(separated, 0.9 * Math.Log(2), Math.Log(2) + 1e-6);
    }

    [Fact]
    public void The_failed_run_reading_fails_for_a_constant_probe()
    {
        var rows = new List<ProbeRow>
        {
            new("failed", "failed", 1, 1.0, 0.9, 0.69), new("failed", "failed", 2, 1.0, 0.8, 0.69),
            new("w1", "WGAN", 1, 0.8, 0.5, 0.6), new("w1", "WGAN", 2, 0.2, 0.1, 0.4),
            new("w2", "WGAN", 1, 0.7, 0.4, 0.6), new("w2", "WGAN", 2, 0.3, 0.2, 0.4),
        };
        var (failedMin, familyMax) = FreezeProbe.FailedAboveTrained(rows, "failed", "WGAN", r => r.Estimate);
        Assert.Equal((0.8, 0.2), (failedMin, familyMax));
        var flat = FreezeProbe.FailedAboveTrained(rows, "failed", "WGAN", _ => 0.3);
        Assert.False(flat.FailedMin > flat.FamilyMax);
    }

    [Fact]
    public void A_frozen_generator_does_not_move_when_its_run_goes_on()
    {
        var g = Mlp.Generator(2, 2, 16, seed: 3);
        var frozen = FreezeProbe.Freeze(g, Mlp.Generator(2, 2, 16, seed: 0));
        Tensor Draw(Sampler s) { using var gen = Seeds.Generator(9); return s(50, gen); }
        var before = Draw(frozen);
        using (no_grad()) foreach (var p in g.parameters()) p.add_(1.0);
        Assert.True(Draw(frozen).allclose(before));
        Assert.Throws<ArgumentException>(() => FreezeProbe.Freeze(g, Mlp.Generator(2, 2, 8, seed: 0)));
    }

    [Fact]
    public void A_frozen_copy_of_a_seed_batch_draws_what_its_copy_draws_and_does_not_move()
    {
        var batch = SeedBatchMlp.Generators(new[] { 3, 4 }, hidden: 16);
        var frozen = FreezeProbe.Freeze(batch, 1, hidden: 16);
        var single = FreezeProbe.Freeze(batch.CopyAsGenerator(1, 16), Mlp.Generator(2, 2, 16, seed: 0));
        Tensor Draw(Sampler s) { using var gen = Seeds.Generator(9); return s(50, gen); }
        var before = Draw(frozen);
        Assert.True(before.allclose(Draw(single), rtol: 0, atol: 0));
        using (no_grad()) foreach (var p in batch.parameters()) p.add_(1.0);
        Assert.True(Draw(frozen).allclose(before, rtol: 0, atol: 0));
    }
}
