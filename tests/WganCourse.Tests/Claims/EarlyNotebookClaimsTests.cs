using TorchSharp;
using WganCourse.Claims;
using WganCourse.Data;
using WganCourse.Divergences;
using WganCourse.Metrics;
using WganCourse.Models;
using WganCourse.Objectives;
using WganCourse.Runtime;
using WganCourse.Training;
using Xunit;
using static TorchSharp.torch;

namespace WganCourse.Tests.Claims;

/// <summary>Every claim of notebooks 00, 01, 02 and 06 fed a broken input (an untrained D or G, a collapsed G, a critic
/// that is not Lipschitz, no instance noise ...): the quantity the claim measures must then miss the claim's threshold,
/// so the claim can fail. The thresholds are the notebooks' own. Checks (identities) are tested the same way where a
/// bug could break them.</summary>
public class EarlyNotebookClaimsTests
{
    public EarlyNotebookClaimsTests() => Course.Setup();

    static readonly GaussianMixture Pr = Toy.Bimodal1D();
    static readonly GaussianMixture Pg = GaussianMixture.OneD("p_g", (0.6, -1.0, 1.0), (0.4, 1.5, 0.7));
    static readonly UniformGrid Grid = new(-8, 8, 3201);

    // ---- 00 ----

    /// <summary>00.toy-gan-radius as the notebook judges it: mean radius within 0.25 of 2/1.414, and at least 4 of the 8
    /// modes the nearest mode of at least 1/16 of the samples.</summary>
    static bool TourClaim(Tensor samples, out string measured)
    {
        var ring = Toy.Ring8();
        double radius = samples.norm(1).mean().item<float>();
        var shares = ToyMetrics.NearestModeShares(samples, ring);
        int spread = shares.Count(s => s >= 1.0 / 16);
        measured = $"radius {radius:0.###}, {spread} modes ≥ 1/16 ({string.Join(" ", shares.Select(s => $"{s:0.00}"))})";
        return Math.Abs(radius - 2 / 1.414) <= 0.25 && spread >= 4;
    }

    [Fact]
    public void Nb00_toy_gan_radius_fails_for_a_collapsed_and_for_an_untrained_generator()
    {
        var ring = Toy.Ring8();
        using var gen = Seeds.Generator(3);
        Assert.True(TourClaim(ring.Sample(2000, gen), out var data), "the data itself must pass: " + data);
        GaussianMixture On(int modes) => new($"{modes} of 8", ring.Means.Take(modes).ToArray(), ring.Stds.Take(modes).ToArray());
        // collapsed onto one mode: on the ring (mean radius 1.414, the old claim passed it), all in one sector
        var one = On(1).Sample(2000, gen);
        Assert.True(Math.Abs(one.norm(1).mean().item<float>() - 2 / 1.414) <= 0.25, "the radius part alone passes");
        Assert.False(TourClaim(one, out var m1), m1);
        Assert.False(TourClaim(On(3).Sample(2000, gen), out var m3), m3); // three modes: still fewer than half
        var untrained = Mlp.Generator(latentDim: 2, outDim: 2, seed: 1).Sample(2000, Seeds.Generator(3));
        Assert.False(TourClaim(untrained, out var mu), mu); // a blob near the origin
        var shares = ToyMetrics.NearestModeShares(one, ring);
        Assert.Equal(1.0, shares.Sum(), 12);
        Assert.Equal(1.0, shares[0], 12);
    }

    [Fact]
    public void Nb00_sigmoid_symmetry_check_fails_for_a_function_that_is_not_the_logistic()
    {
        var l = linspace(-8, 8, 101, dtype: float64);
        Assert.True((sigmoid(-l) - (1 - sigmoid(l))).abs().max().item<double>() <= 1e-12);
        var shifted = sigmoid(l + 0.1); // a sigmoid with a bias: σ(−l + 0.1) ≠ 1 − σ(l + 0.1)
        var shiftedAtMinusL = sigmoid(-l + 0.1);
        Assert.True((shiftedAtMinusL - (1 - shifted)).abs().max().item<double>() > 1e-12); // 00.sigmoid-symmetry
    }

    // ---- 01 ----

    [Fact]
    public void Nb01_d_star_fails_for_an_untrained_discriminator()
    {
        var prx = Pr.DensityOnGrid(Grid.X);
        var pgx = Pg.DensityOnGrid(Grid.X);
        var dStar = Classic.OptimalDiscriminator(prx, pgx);
        Assert.Equal(0, Classic.MaxErrorOnSupport(dStar, dStar, prx, pgx)); // the analytic D* itself passes
        var untrained = Probes.DiscriminatorOnGrid(Mlp.Critic(inDim: 1, hidden: 64, seed: Seeds.Default), Grid.X);
        Assert.True(Classic.MaxErrorOnSupport(untrained, dStar, prx, pgx) > 0.08); // 01.d-star threshold
        var halfEverywhere = Grid.X.Select(_ => 0.5).ToArray(); // a D that cannot tell real from fake
        Assert.True(Classic.MaxErrorOnSupport(halfEverywhere, dStar, prx, pgx) > 0.08);
    }

    [Fact]
    public void Nb01_v_at_d_star_fails_when_the_samples_come_from_another_generator()
    {
        var prx = Pr.DensityOnGrid(Grid.X);
        var pgx = Pg.DensityOnGrid(Grid.X);
        double quadrature = Classic.CFromJs(Classic.JS(Grid, prx, pgx));
        var (good, se) = Classic.OptimalValueMonteCarlo(Pr, Pg, 20_000);
        Assert.True(Math.Abs(good - quadrature) <= 4 * se, "the matched pair must pass");
        // samples of a different generator (the data itself) scored as if they came from p_g
        var (wrong, se2) = Classic.OptimalValueMonteCarlo(Pr, Toy.Bimodal1D(), 20_000);
        Assert.True(Math.Abs(wrong - quadrature) > 4 * se2, $"{wrong} vs {quadrature} ± 4·{se2}");
    }

    [Fact]
    public void Nb01_c_minimum_fails_for_a_family_that_never_reaches_the_data()
    {
        var prx = Pr.DensityOnGrid(Grid.X);
        // the notebook's family with std 0.7 instead of 0.5: no member equals p_r, so min C(G) > −log 4
        var c = Enumerable.Range(0, 81).Select(i => 4.0 * i / 80).Select(a => Classic.VirtualTrainingCriterion(Grid, prx,
            GaussianMixture.OneD("p_g(a)", (0.5, -a, 0.7), (0.5, a, 0.7)).DensityOnGrid(Grid.X))).ToArray();
        Assert.True(c.Min() + Math.Log(4) > 1e-9); // the claim requires |C + log 4| < 1e-9 at the argmin
    }

    [Fact]
    public void Nb01_gan_1d_claims_fail_for_an_untrained_and_for_a_collapsed_generator()
    {
        using var gen = Seeds.Generator(5);
        var reference = Pr.Sample(2000, gen);
        var untrained = Mlp.Generator(latentDim: 1, outDim: 1, hidden: 32, seed: Seeds.Default).Sample(2000, Seeds.Generator(1));
        Assert.True(Wasserstein.Samples1D(untrained, reference) > 0.35); // 01.gan-1d threshold
        var collapsed = GaussianMixture.OneD("one mode", (1, 2.0, 0.5)).Sample(2000, gen); // all mass on the right mode
        Assert.True(Wasserstein.Samples1D(collapsed, reference) > 0.35);
        var report = ToyMetrics.Evaluate(collapsed, Pr);
        Assert.False(report.Counts.All(k => k >= 0.25 * 2000)); // 01.gan-1d-modes
        var fair = ToyMetrics.Evaluate(Pr.Sample(2000, gen), Pr);
        Assert.True(fair.Counts.All(k => k >= 0.25 * 2000), "data samples must pass the modes claim");
    }

    // ---- 02 ----

    [Fact]
    public void Nb02_perfect_d_and_js_bound_fail_for_an_undertrained_discriminator()
    {
        var d = Mlp.Critic(inDim: 2, hidden: 64, layers: 2, seed: Seeds.Default);
        Assert.True(Probes.Accuracy(d, Toy.ParallelLines(0), Toy.ParallelLines(0.02)).Overall < 0.999); // 02.perfect-d
        double loss = Probes.TrainDiscriminator(d, new ToyBatches(Toy.ParallelLines(0)), new ToyBatches(Toy.ParallelLines(0.02)),
                                                steps: 10, batchSize: 256, OptimizerSpec.Adam(1e-3, 0.5, 0.999));
        Assert.True((Math.Log(4) - loss) / 2 < Math.Log(2) - 0.03); // 02.js-saturates
    }

    [Fact]
    public void Nb02_vanishing_gradient_and_perfect_d_ring_fail_when_D_does_not_learn()
    {
        var ring = Toy.Ring8();
        var g = Mlp.Generator(latentDim: 2, outDim: 2, hidden: 32, seed: Seeds.Default);
        var d = Mlp.Critic(inDim: 2, hidden: 32, seed: Seeds.Default + 1);
        // a D whose optimizer cannot move it: the "trained" D is the untrained one
        var probe = Probes.GradientsWhileDLearns(g, d, new ToyBatches(ring), new[] { 0, 50, 200 }, 64, 3,
                                                 criticOptimizer: OptimizerSpec.Sgd(1e-12));
        Assert.True(probe.LossADropOrders < 2, $"drop {probe.LossADropOrders}"); // 02.vanishing-gradient
        Assert.True(probe.Points[^1].Accuracy.Overall < 0.999);
        Assert.False(probe.AfterPerfect().Holds(), probe.AfterPerfect().ToString()); // 02.perfect-d-ring
        Assert.Null(probe.AfterPerfect().PerfectAt);
    }

    [Fact]
    public void Nb02_perfect_d_ring_holds_for_loss_A_and_fails_for_the_non_saturating_loss_B()
    {
        var ring = Toy.Ring8();
        var g = Mlp.Generator(latentDim: 2, outDim: 2, hidden: 64, seed: Seeds.Default);
        var d = Mlp.Critic(inDim: 2, hidden: 64, seed: Seeds.Default + 1);
        var probe = Probes.GradientsWhileDLearns(g, d, new ToyBatches(ring), new[] { 0, 10, 30, 100, 300, 1000, 2000 },
                                                 64, 3);
        var a = probe.AfterPerfect();
        Assert.True(a.Holds(), "loss A: " + a);
        // loss B's gradient does not saturate: D is just as perfect, but the gradient does not fall after it
        var b = probe.AfterPerfect(norm: p => p.LossB);
        Assert.Equal(a.PerfectAt, b.PerfectAt);
        Assert.False(b.Holds(), "loss B: " + b);
    }

    [Fact]
    public void Nb02_perfect_d_ring_fails_when_the_gradient_vanished_before_D_separated()
    {
        // a D that saturates before it is accurate: the gradient is already 3 orders below its peak at 99.9 %
        static GradientProbePoint P(int k, double norm, double acc) =>
            new(k, new NormStats(norm, 0), new NormStats(1, 0), new DiscriminatorAccuracy(acc, acc), 0);
        var early = new GradientProbe(new[] { P(0, 1e-1, 0.5), P(10, 1e-4, 0.9), P(30, 1e-4, 1), P(100, 1e-7, 1) });
        Assert.Equal(30, early.AfterPerfect().PerfectAt);
        Assert.False(early.AfterPerfect().Holds(), early.AfterPerfect().ToString());
        var right = new GradientProbe(new[] { P(0, 1e-2, 0.5), P(30, 5e-2, 1), P(100, 1e-1, 1), P(4000, 1e-5, 1) });
        Assert.True(right.AfterPerfect().Holds(), right.AfterPerfect().ToString());
        var perfectAtTheEnd = new GradientProbe(new[] { P(0, 1e-1, 0.5), P(100, 1e-2, 0.9), P(4000, 1e-2, 1) });
        Assert.False(perfectAtTheEnd.AfterPerfect().Holds()); // no drop after it
    }

    [Fact]
    public void Nb02_and_05_seed_counts_need_every_run_at_the_rates_their_notebooks_state()
    {
        static bool[] Runs(int n, int failing = 0) => Enumerable.Range(0, n).Select(i => i >= failing).ToArray();
        static ClaimResult Count(bool[] runs, double rate) => Claim.SeedCount("test.count", "s", "test", runs, rate);
        // 02.perfect-d and 02.js-saturates: 20 runs at p = 0.9995 → all 20 (P(X ≤ 19) = 0.995 %)
        Assert.True(Count(Runs(20), 0.9995).Passed);
        var oneFails = Count(Runs(20, failing: 1), 0.9995);
        Assert.False(oneFails.Passed);
        Assert.Equal("≥ 20 of 20 seeds", oneFails.Expected);
        Assert.Equal(1 - Math.Pow(0.9995, 20), Binomial.Threshold(20, 0.9995, Claim.FalseFailureRate).FalseFailure, 9);
        // 02.vanishing-gradient and 02.perfect-d-ring: 5 seeds at p = 0.998 → all 5 (0.996 %)
        Assert.True(Count(Runs(5), 0.998).Passed);
        Assert.False(Count(Runs(5, failing: 1), 0.998).Passed);
        // 05.fd-dcgan-vs-mlp: 2 seeds at p = 0.998 → 2 of 2 (0.4 %); below 99.5 % one seed could fail
        Assert.False(Count(Runs(2, failing: 1), 0.998).Passed);
        Assert.Equal(2, Binomial.Threshold(2, 0.998, Claim.FalseFailureRate).K);
        Assert.Equal(1, Binomial.Threshold(2, 0.99, Claim.FalseFailureRate).K);
    }

    [Fact]
    public void Nb02_sigmoid_saturation_fails_if_loss_A_were_the_non_saturating_loss()
    {
        var logit = tensor(new[] { -10.0 }, dtype: float64).requires_grad_();
        var right = autograd.grad(new[] { GanLosses.LogOneMinusD(logit).sum() }, new[] { logit })[0].abs().item<double>();
        var swapped = autograd.grad(new[] { (-GanLosses.LogD(logit)).sum() }, new[] { logit })[0].abs().item<double>();
        Assert.True(right < 1e-4);
        Assert.False(swapped < 1e-4); // the check 02.sigmoid-saturation requires |A'(−10)| < 1e-4
    }

    [Fact]
    public void Nb02_noise_continuity_fails_without_noise()
    {
        var thetas = Enumerable.Range(-100, 201).Select(i => i / 100.0).ToArray(); // Δθ = 0.01, as in the notebook
        foreach (var sigma in new[] { 0.1, 0.2, 0.5 })
            Assert.True(Classic.LargestStep(thetas.Select(t => Classic.NoisyParallelLinesJS(t, sigma)).ToArray()) <= 0.1);
        double tiny = Classic.LargestStep(thetas.Select(t => Classic.NoisyParallelLinesJS(t, 1e-4)).ToArray());
        Assert.True(tiny > 0.1, $"σ → 0: largest step {tiny}"); // ≈ log 2, the jump of the noise-free lines
        double none = Classic.LargestStep(thetas.Select(t => Classic.ParallelLines(t).JS).ToArray());
        Assert.Equal(Math.Log(2), none, 12);
    }

    [Fact]
    public void Noisy_parallel_lines_JS_matches_quadrature_of_the_two_gaussians()
    {
        foreach (var (theta, sigma) in new[] { (0.3, 0.5), (1.0, 0.2), (-0.05, 0.1) })
        {
            var grid = new UniformGrid(-8, 8, 16_001);
            var p = grid.Map(x => Classic.NormalPdf(x, 0, sigma));
            var q = grid.Map(x => Classic.NormalPdf(x, theta, sigma));
            Assert.Equal(Classic.JS(grid, p, q), Classic.NoisyParallelLinesJS(theta, sigma), 8);
            // JS ≤ θ²/(4σ²) (convexity of KL)
            Assert.True(Classic.NoisyParallelLinesJS(theta, sigma) <= theta * theta / (4 * sigma * sigma) + 1e-12);
        }
        Assert.Equal(0, Classic.NoisyParallelLinesJS(0, 0.1));
        Assert.Equal(Math.Log(2), Classic.NoisyParallelLinesJS(1, 1e-4), 12);
        Assert.Throws<ArgumentOutOfRangeException>(() => Classic.NoisyParallelLinesJS(1, 0));
    }

    // ---- 06 ----

    [Fact]
    public void Nb06_exact_solvers_claim_fails_for_a_non_optimal_plan()
    {
        using var gen = Seeds.Generator(6);
        var x = randn(new long[] { 40, 2 }, generator: gen);
        var y = randn(new long[] { 40, 2 }, generator: gen) * 0.5 + 1;
        var uniform = Enumerable.Repeat(1.0 / 40, 40).ToArray();
        double simplex = Wasserstein.Discrete(x, uniform, y, uniform);
        Assert.True(Math.Abs(Wasserstein.UniformPoints(x, y) - simplex) <= 1e-9);
        double identityPlan = (x - y).square().sum(1).sqrt().mean().item<float>(); // x_i → y_i, not optimal
        Assert.True(Math.Abs(identityPlan - simplex) > 1e-9);
    }

    [Fact]
    public void Nb06_w1_sorting_and_sinkhorn_claims_fail_on_broken_inputs()
    {
        using var gen = Seeds.Generator(61);
        var p = randn(20_000, dtype: float64, generator: gen);
        var q = 3 * randn(20_000, dtype: float64, generator: gen);
        double exact = 2 * Math.Sqrt(2 / Math.PI);
        Assert.True(Math.Abs(Wasserstein.Samples1D(p, q) - exact) <= 0.03 * exact);
        double unsorted = (p - q).abs().mean().item<double>(); // pairing in drawing order
        Assert.True(Math.Abs(unsorted - exact) > 0.03 * exact);
        var x = randn(new long[] { 30, 2 }, generator: gen);
        var y = randn(new long[] { 30, 2 }, generator: gen) + 1;
        var coarse = Wasserstein.SinkhornErrors(x, y, new[] { 1.0 });
        Assert.True(coarse[0].RelativeError > 0.01); // 06.sinkhorn-error needs ε small
    }

    [Fact]
    public void Nb06_parallel_lines_w_fails_for_a_generator_that_ignores_theta()
    {
        using var gen = Seeds.Generator(65);
        var thetas = new[] { -1.0, -0.3, 0.0, 0.3, 1.0 };
        double Deviation(Func<double, IToyDistribution> fake) => thetas.Max(t =>
            Math.Abs(Wasserstein.UniformPoints(Toy.ParallelLines(0).Sample(300, gen), fake(t).Sample(300, gen)) - Math.Abs(t)));
        Assert.True(Deviation(t => Toy.ParallelLines(t)) <= 0.06);
        Assert.True(Deviation(_ => Toy.ParallelLines(0)) > 0.06); // 06.parallel-lines-w
    }

    static readonly GaussianMixture P = GaussianMixture.OneD("P", (1, 1.0, 0.5));
    static readonly GaussianMixture Q = GaussianMixture.OneD("Q", (1, -1.0, 0.5));

    [Fact]
    public void Nb06_kr_claims_fail_for_an_untrained_critic()
    {
        double w = 2, bound = KantorovichRubinstein.GradientPenaltyOptimum(w, 10);
        var gp = KantorovichRubinstein.Estimate(P, Q, KantorovichRubinstein.PenalisedCriticObjective(), steps: 0,
                                                evalSamples: 2000, historyEvery: 0);
        Assert.False(gp.Estimate >= 0.97 * bound);                 // 06.kr-gp-optimum
        Assert.False(Math.Abs(gp.Rescaled - w) <= 0.05 * w);        // 06.kr-gp-rescaled
        var clipped = KantorovichRubinstein.Estimate(P, Q, KantorovichRubinstein.ClippedCriticObjective(), steps: 0,
                                                     evalSamples: 2000, historyEvery: 0);
        Assert.False(clipped.Rescaled >= 0.8 * clipped.EmpiricalW); // 06.kr-clipped
    }

    [Fact]
    public void Nb06_kr_clipped_bounds_check_fails_for_a_critic_that_is_not_kept_small()
    {
        // the check 06.kr-clipped-bounds: "clipping" at c = 100 never binds, so the critic is not K-Lipschitz with
        // K ≪ 1 and its raw gap is not tiny (with c = 0.01 it is, trained or not: 64·64·0.01³ ≈ 0.004)
        var r = KantorovichRubinstein.Estimate(P, Q, KantorovichRubinstein.ClippedCriticObjective(clip: 100), steps: 300,
                                               evalSamples: 2000, historyEvery: 0);
        Assert.False(r.Estimate < 0.05 * 2, $"raw gap {r.Estimate}");
    }

    [Fact]
    public void Nb06_figure2_claims_fail_for_untrained_networks_and_for_a_saturating_discriminator()
    {
        var untrained = KantorovichRubinstein.Figure2(steps: 0);
        Assert.False(untrained.DSlopeAtFakeRelative <= 0.01); // 06.fig2-d-saturates
        // the trained GAN discriminator D = σ(logit) offered as the "critic": 06.fig2-critic-linear must reject it
        var c = KantorovichRubinstein.Figure2(steps: 400);
        var dAsCritic = c with { Critic = c.D, CriticSlope = c.DSlope };
        Assert.False(dAsCritic.CriticSlopeAtFakeRelative > 0.2 && dAsCritic.CriticLinearityR2 > 0.95,
            $"slope ratio {dAsCritic.CriticSlopeAtFakeRelative}, R² {dAsCritic.CriticLinearityR2}");
        Assert.True(c.CriticSlopeAtFakeRelative > 0.2 && c.CriticLinearityR2 > 0.95, "the clipped critic itself passes");
    }
}
