using WganCourse.Data;
using WganCourse.Divergences;
using WganCourse.Training;
using WganCourse.Runtime;
using Xunit;
using Xunit.Abstractions;

namespace WganCourse.Tests.Training;

public class LipschitzTests
{
    readonly ITestOutputHelper output;
    public LipschitzTests(ITestOutputHelper output) { Course.Setup(); this.output = output; }

    static readonly GaussianMixture P = GaussianMixture.OneD("P", (1, 1.0, 0.5));
    static readonly GaussianMixture Q = GaussianMixture.OneD("Q", (1, -1.0, 0.5));

    [Fact]
    public void Gradient_penalty_critic_estimates_W_between_two_gaussians()
    {
        double w = Wasserstein.GaussiansSameStd(1, -1);
        var r = KantorovichRubinstein.Estimate(P, Q, KantorovichRubinstein.PenalisedCriticObjective(), steps: 1000, historyEvery: 250);
        double optimum = KantorovichRubinstein.GradientPenaltyOptimum(w, 10);
        output.WriteLine($"WGAN-GP critic, 1000 steps in {r.Seconds:F2} s: estimate {r.Estimate:F4} (penalised optimum {optimum:F4}, W = {w}), " +
                         $"empirical W {r.EmpiricalW:F4}, L on samples {r.LipschitzOnSamples:F4}, rescaled {r.Rescaled:F4}");
        Assert.Equal(5, r.History.Count); // steps 0, 250, 500, 750, 1000
        Assert.True(r.History[^1].Estimate > r.History[0].Estimate);
        Assert.InRange(r.Estimate, 0.95 * optimum, 1.05 * optimum);
        // f/L is 1-Lipschitz on the evaluation points: a certified lower bound on their exact W (KR duality).
        Assert.True(r.Rescaled <= r.EmpiricalW + 1e-9, $"rescaled {r.Rescaled} above the exact empirical W {r.EmpiricalW}");
        Assert.InRange(r.Rescaled, 0.95 * w, w);
        Assert.InRange(r.EmpiricalW, w - 0.03, w + 0.03);
    }

    [Fact]
    public void Clipped_critic_estimates_K_times_W_and_its_rescaled_value_is_a_lower_bound()
    {
        double w = 2;
        var r = KantorovichRubinstein.Estimate(P, Q, KantorovichRubinstein.ClippedCriticObjective(), steps: 600, historyEvery: 0);
        output.WriteLine($"clipped critic (c = 0.01), 600 steps in {r.Seconds:F2} s: raw estimate {r.Estimate:E3} (K·W with K = {r.LipschitzOnSamples:E3}), rescaled {r.Rescaled:F4}, empirical W {r.EmpiricalW:F4}");
        Assert.True(r.Estimate > 0 && r.Estimate < 0.05 * w, "the raw clipped estimate is K·W with K ≪ 1");
        Assert.True(r.Rescaled <= r.EmpiricalW + 1e-9);
        Assert.True(r.Rescaled > 0.8 * w, $"rescaled clipped estimate {r.Rescaled}");
    }

    [Fact]
    public void Same_seed_same_estimate()
    {
        var a = KantorovichRubinstein.Estimate(P, Q, KantorovichRubinstein.PenalisedCriticObjective(seed: 3), steps: 30, evalSamples: 500, historyEvery: 0, seed: 3);
        var b = KantorovichRubinstein.Estimate(P, Q, KantorovichRubinstein.PenalisedCriticObjective(seed: 3), steps: 30, evalSamples: 500, historyEvery: 0, seed: 3);
        Assert.Equal(a.Estimate, b.Estimate);
        Assert.Equal(a.Rescaled, b.Rescaled);
    }

    [Fact]
    public void Gradient_penalty_optimum_is_W_plus_W_squared_over_two_lambda()
    {
        Assert.Equal(2.2, KantorovichRubinstein.GradientPenaltyOptimum(2, 10), 12);
        Assert.Equal(3.45, KantorovichRubinstein.GradientPenaltyOptimum(3, 10), 12);
        Assert.Throws<ArgumentOutOfRangeException>(() => KantorovichRubinstein.GradientPenaltyOptimum(1, 0));
    }

    [Fact]
    public void Figure2_discriminator_saturates_while_the_critic_stays_nearly_linear()
    {
        var c = KantorovichRubinstein.Figure2(steps: 400);
        output.WriteLine($"|dD/dx| at the fake mean / max {c.DSlopeAtFakeRelative:E2}; |df/dx| there / max {c.CriticSlopeAtFakeRelative:F3}; " +
                         $"flat fraction D {c.DFlatFraction:F2}, f {c.CriticFlatFraction:F2}; R² between the means: f {c.CriticLinearityR2:F4}, D {c.DLinearityR2:F4}");
        Assert.Equal(241, c.X.Length);
        Assert.All(c.D, d => Assert.InRange(d, 0, 1));
        Assert.True(c.D[^1] > 0.99 && c.D[0] < 0.01, "D → 1 on the real side, 0 on the fake side");
        Assert.True(c.DSlopeAtFakeRelative < 1e-2, "D's gradient vanishes at the fake data");
        Assert.True(c.DFlatFraction > 0.5);
        Assert.True(c.CriticSlopeAtFakeRelative > 0.2, "the critic's gradient at the fake data is usable");
        Assert.Equal(0, c.CriticFlatFraction);
        Assert.True(c.CriticLinearityR2 > 0.95);
        Assert.True(c.Critic[^1] > c.Critic[0], "the critic is larger on the real side");
    }

    [Fact]
    public void Mismatched_dimensions_are_rejected()
    {
        var e = Assert.Throws<ArgumentException>(() => KantorovichRubinstein.Estimate(P, Toy.Ring8(), KantorovichRubinstein.PenalisedCriticObjective(), 1));
        Assert.Contains("same dimension", e.Message);
    }
}
