using WganCourse.Data;
using WganCourse.Divergences;
using Xunit;

namespace WganCourse.Tests.Divergences;

public class ClassicTests
{
    static readonly UniformGrid Grid = new(-15, 15, 6001);
    static double[] Normal(double mu, double s) => Grid.Map(x => Classic.NormalPdf(x, mu, s));

    [Fact]
    public void Quadrature_KL_matches_the_closed_form_for_normals()
    {
        foreach (var (m1, s1, m2, s2) in new[] { (0.0, 1.0, 1.0, 1.0), (0.5, 0.7, -1.0, 1.5), (2.0, 1.0, 0.0, 0.5) })
        {
            double closed = Classic.KLNormal(m1, s1, m2, s2);
            Assert.Equal(closed, Classic.KL(Grid, Normal(m1, s1), Normal(m2, s2)), 6);
        }
        Assert.Equal(0.5, Classic.KLNormal(1, 1, 0, 1), 12);                 // Δμ²/2
        Assert.Equal(Math.Log(2) + 1.0 / 8 - 0.5, Classic.KLNormal(0, 1, 0, 2), 12);
    }

    [Fact]
    public void Quadrature_TV_matches_the_equal_variance_closed_form()
    {
        // TV(N(0,1), N(1,1)) = 2Φ(1/2) − 1 = 0.38292492254802624
        Assert.Equal(0.38292492254802624, Classic.TVNormalEqualVariance(0, 1, 1), 12);
        // |p − q| has a kink at x = ½, so the trapezoid rule is only O(Dx²) there: 5 decimals at Dx = 0.005
        Assert.Equal(0.38292492254802624, Classic.TV(Grid, Normal(0, 1), Normal(1, 1)), 5);
        Assert.Equal(0.9973002039367398, Classic.TVNormalEqualVariance(0, 6, 1), 12);  // erf(3/√2): the 3σ rule
        // erf on both branches of its evaluation (series below 2, continued fraction above); values from Python's math.erf
        double k = 1 / (2 * Math.Sqrt(2));
        Assert.Equal(0.9927904292352575, Classic.TVNormalEqualVariance(0, 1.9, k), 14);
        Assert.Equal(0.999593047982555, Classic.TVNormalEqualVariance(0, 2.5, k), 14);
        Assert.Equal(2.55962508777167e-12, 1 - Classic.TVNormalEqualVariance(0, 7 / Math.Sqrt(2), k), 14);
    }

    [Fact]
    public void JS_is_symmetric_bounded_by_log_2_and_zero_only_for_equal_distributions()
    {
        var p = Normal(0, 1);
        var q = Normal(1.5, 0.8);
        double js = Classic.JS(Grid, p, q);
        Assert.Equal(js, Classic.JS(Grid, q, p), 12);
        Assert.InRange(js, 0.01, Math.Log(2));
        Assert.Equal(0, Classic.JS(Grid, p, p), 12);
        // the definition: ½KL(P‖M) + ½KL(Q‖M)
        var m = p.Zip(q, (a, b) => (a + b) / 2).ToArray();
        Assert.Equal(0.5 * Classic.KL(Grid, p, m) + 0.5 * Classic.KL(Grid, q, m), js, 10);
    }

    [Fact]
    public void Disjoint_supports_give_KL_infinite_JS_log_2_TV_1()
    {
        var grid = new UniformGrid(0, 4, 401);
        var p = grid.Map(x => x < 1 ? 1.0 : 0);            // U[0,1)
        var q = grid.Map(x => x >= 2 && x < 3 ? 1.0 : 0);   // U[2,3)
        Assert.Equal(double.PositiveInfinity, Classic.KL(grid, p, q));
        Assert.Equal(double.PositiveInfinity, Classic.KL(grid, q, p));
        Assert.Equal(Math.Log(2), Classic.JS(grid, p, q), 2);   // trapezoid edges: within a grid cell of the mass
        Assert.Equal(1, Classic.TV(grid, p, q), 2);
        // discrete: exact
        double[] a = { 0.5, 0.5, 0, 0 }, b = { 0, 0, 0.25, 0.75 };
        Assert.Equal(double.PositiveInfinity, Classic.KL(a, b));
        Assert.Equal(Math.Log(2), Classic.JS(a, b), 15);
        Assert.Equal(1, Classic.TV(a, b), 15);
    }

    [Fact]
    public void Discrete_values_match_hand_computation()
    {
        double[] p = { 0.5, 0.5 }, q = { 0.9, 0.1 };
        Assert.Equal(0.5 * Math.Log(0.5 / 0.9) + 0.5 * Math.Log(0.5 / 0.1), Classic.KL(p, q), 15);
        Assert.Equal(0.4, Classic.TV(p, q), 15);
        double[] m = { 0.7, 0.3 };
        double js = 0.5 * (0.5 * Math.Log(0.5 / 0.7) + 0.5 * Math.Log(0.5 / 0.3)) + 0.5 * (0.9 * Math.Log(0.9 / 0.7) + 0.1 * Math.Log(0.1 / 0.3));
        Assert.Equal(js, Classic.JS(p, q), 15);
        Assert.Throws<ArgumentException>(() => Classic.KL(new[] { 0.5, 0.6 }, q)); // does not sum to 1
        Assert.Throws<ArgumentException>(() => Classic.KL(p, new[] { 1.0 }));
    }

    [Fact]
    public void Parallel_lines_closed_forms()
    {
        foreach (var t in new[] { -1.0, 0.01, 0.5 })
        {
            var d = Classic.ParallelLines(t);
            Assert.Equal(Math.Log(2), d.JS);
            Assert.Equal(double.PositiveInfinity, d.KL);
            Assert.Equal(1, d.TV);
            Assert.Equal(Math.Abs(t), d.W);
        }
        Assert.Equal(new ParallelLinesDistances(0, 0, 0, 0, 0), Classic.ParallelLines(0));
    }

    [Fact]
    public void Discretized_parallel_lines_give_the_closed_forms_at_any_theta()
    {
        WganCourse.Runtime.Course.Setup(); // the assignment for W uses tensors
        foreach (var t in new[] { -0.7, 1e-6, 0.25 })
        {
            var d = Classic.ParallelLinesDiscretized(t, pointsPerLine: 20);
            Assert.Equal(Math.Log(2), d.JS, 12);
            Assert.Equal(double.PositiveInfinity, d.KL);
            Assert.Equal(1, d.TV, 12);
            Assert.Equal(Math.Abs(t), d.W, 9);
        }
        var zero = Classic.ParallelLinesDiscretized(0, pointsPerLine: 20); // the atoms coincide: all four vanish
        Assert.Equal(0, zero.JS, 12);
        Assert.Equal(0, zero.KL, 12);
        Assert.Equal(0, zero.TV, 12);
        Assert.Equal(0, zero.W, 12);
        Assert.Throws<ArgumentOutOfRangeException>(() => Classic.ParallelLinesDiscretized(double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => Classic.ParallelLinesDiscretized(0.5, 0));
    }

    [Fact]
    public void Optimal_discriminator_and_C_of_G_equal_minus_log_4_plus_2_JS()
    {
        var target = Toy.Bimodal1D();
        var pr = target.DensityOnGrid(Grid.X);
        foreach (var pg in new[] { Normal(0, 1), Normal(-2, 0.5), pr })
        {
            var dStar = Classic.OptimalDiscriminator(pr, pg);
            int i = Array.FindIndex(Grid.X, x => Math.Abs(x - 2) < 1e-9);
            Assert.Equal(pr[i] / (pr[i] + pg[i]), dStar[i], 15);
            double c = Classic.VirtualTrainingCriterion(Grid, pr, pg);
            Assert.Equal(Classic.CFromJs(Classic.JS(Grid, pr, pg)), c, 9);
            Assert.True(c >= -Math.Log(4) - 1e-12);
        }
        // the minimum −log 4 is reached at pg = pr, where D* = ½ everywhere
        Assert.Equal(-Math.Log(4), Classic.VirtualTrainingCriterion(Grid, pr, pr), 9);
        Assert.All(Classic.OptimalDiscriminator(pr, pr), v => Assert.Equal(0.5, v, 15));
        Assert.Equal(new[] { 1.0, 0.0, 0.5 }, Classic.OptimalDiscriminator(new[] { 1.0, 0, 0 }, new[] { 0.0, 2, 0 }));
    }

    [Fact]
    public void Monte_Carlo_V_at_D_star_agrees_with_quadrature_within_its_standard_error()
    {
        WganCourse.Runtime.Course.Setup();
        var pr = Toy.Bimodal1D();
        var pg = GaussianMixture.OneD("pg", (0.7, 0.0, 1.0), (0.3, 3.0, 0.4));
        var (mc, se) = Classic.OptimalValueMonteCarlo(pr, pg, n: 50_000, seed: 3);
        double quad = Classic.CFromJs(Classic.JS(Grid, pr.DensityOnGrid(Grid.X), pg.DensityOnGrid(Grid.X)));
        Assert.InRange(se, 0.001, 0.01);
        Assert.True(Math.Abs(mc - quad) < 4 * se, $"MC {mc:F4} ± {se:F4} vs quadrature {quad:F4}");
        var (same, _) = Classic.OptimalValueMonteCarlo(pr, pr, n: 1000, seed: 3);
        Assert.Equal(-Math.Log(4), same, 12);   // D* = ½ everywhere: every term is log ½
    }

    [Fact]
    public void Theorem_2_5_gradients_agree_and_the_value_identity_holds()
    {
        foreach (var (theta0, sigma) in new[] { (1.0, 1.0), (-2.0, 0.5), (3.0, 1.5) })
        {
            var t = Classic.Theorem25(theta0, sigma);
            Assert.Equal(Classic.KLNormal(theta0, sigma, 0, 1), t.KL, 8);
            Assert.InRange(t.JS, 0, Math.Log(2));
            Assert.Equal(t.ExpectedMinusLogDStar, t.IdentityRightSide, 8);
            Assert.True(Math.Abs(t.GradMinusLogDStar - t.GradKlMinus2Js) < 1e-6 * Math.Max(1, Math.Abs(t.GradKlMinus2Js)),
                        $"θ0 = {theta0}, σ = {sigma}: {t.GradMinusLogDStar} vs {t.GradKlMinus2Js}");
            Assert.True(Math.Abs(t.GradKlMinus2Js) > 0.05); // a non-trivial gradient, not 0 = 0
        }
        // the KL part alone has gradient θ0 (KL(N(θ,σ)‖N(0,1)) = −log σ + (σ² + θ²)/2 − ½): the −2·JS part matters
        var c = Classic.Theorem25(1.0, 1.0);
        Assert.True(Math.Abs(c.GradKlMinus2Js - 1.0) > 0.05);
    }
}
