using TorchSharp;
using WganCourse.Metrics;
using WganCourse.Runtime;
using Xunit;
using static TorchSharp.torch;

namespace WganCourse.Tests.Metrics;

public class FrechetTests
{
    public FrechetTests() => Course.Setup();

    static Tensor T(params double[] v) => tensor(v, dtype: ScalarType.Float64);
    static Tensor M(int d, params double[] v) => tensor(v, dtype: ScalarType.Float64).reshape(d, d);

    static Tensor RandomSpd(int d, torch.Generator g)
    {
        var a = randn(new long[] { d, d }, dtype: ScalarType.Float64, generator: g);
        return a.matmul(a.t()) + 0.1 * eye(d, dtype: ScalarType.Float64);
    }

    /// <summary>Tr (A B)^{1/2} by the Denman–Beavers iteration on the non-symmetric product itself (an independent route).</summary>
    static double TraceSqrtOfProduct(Tensor a, Tensor b)
    {
        var y = a.matmul(b);
        var z = eye(y.shape[0], dtype: ScalarType.Float64);
        for (int i = 0; i < 100; i++)
        {
            var yi = linalg.inv(y); var zi = linalg.inv(z);
            (y, z) = ((y + zi) / 2, (z + yi) / 2);
        }
        return y.trace().item<double>();
    }

    [Fact]
    public void One_dimensional_gaussians_give_the_squared_mean_gap_plus_the_squared_std_gap()
    {
        // (μ1 − μ2)² + (σ1 − σ2)² = 1.5² + 1.5²
        Assert.Equal(4.5, Frechet.Distance(T(1.0), M(1, 4.0), T(-0.5), M(1, 0.25)), 12);
        Assert.Equal(0.0, Frechet.Distance(T(2.0), M(1, 9.0), T(2.0), M(1, 9.0)), 12);
    }

    [Fact]
    public void Diagonal_covariances_give_the_sum_over_coordinates()
    {
        var a = new[] { 1.0, 4.0, 0.25, 9.0, 2.0 };
        var b = new[] { 4.0, 1.0, 0.25, 1.0, 8.0 };
        var mu1 = T(0, 1, 2, 3, 4); var mu2 = T(1, 1, 0, 3, 4);
        double expected = 1 + 0 + 4 + 0 + 0 + a.Zip(b).Sum(p => Math.Pow(Math.Sqrt(p.First) - Math.Sqrt(p.Second), 2));
        Assert.Equal(expected, Frechet.Distance(mu1, diag(T(a)), mu2, diag(T(b))), 10);
    }

    [Fact]
    public void Commuting_covariances_give_the_gap_of_the_root_eigenvalues()
    {
        using var g = Seeds.Generator(11);
        var (q, _) = linalg.qr(randn(new long[] { 6, 6 }, dtype: ScalarType.Float64, generator: g));
        var a = T(0.5, 1, 2, 3, 5, 8); var b = T(2, 1, 0.1, 3, 1, 4);
        var s1 = q.matmul(diag(a)).matmul(q.t()); var s2 = q.matmul(diag(b)).matmul(q.t());
        s1 = (s1 + s1.t()) / 2; s2 = (s2 + s2.t()) / 2;
        var mu1 = randn(new long[] { 6 }, dtype: ScalarType.Float64, generator: g); var mu2 = randn(new long[] { 6 }, dtype: ScalarType.Float64, generator: g);
        double expected = (mu1 - mu2).square().sum().item<double>() + (a.sqrt() - b.sqrt()).square().sum().item<double>();
        Assert.Equal(expected, Frechet.Distance(mu1, s1, mu2, s2), 9);
    }

    [Fact]
    public void A_random_non_commuting_pair_matches_the_generic_formula_with_the_root_of_the_non_symmetric_product()
    {
        using var g = Seeds.Generator(12);
        var s1 = RandomSpd(8, g); var s2 = RandomSpd(8, g);
        Assert.False(s1.matmul(s2).allclose(s2.matmul(s1), rtol: 1e-3, atol: 1e-3)); // really non-commuting
        var mu1 = randn(new long[] { 8 }, dtype: ScalarType.Float64, generator: g); var mu2 = randn(new long[] { 8 }, dtype: ScalarType.Float64, generator: g);
        double expected = (mu1 - mu2).square().sum().item<double>() + s1.trace().item<double>() + s2.trace().item<double>() - 2 * TraceSqrtOfProduct(s1, s2);
        double got = Frechet.Distance(mu1, s1, mu2, s2);
        Assert.True(Math.Abs(got - expected) < 1e-8 * Math.Abs(expected), $"got {got}, generic formula {expected}");
        Assert.Equal(got, Frechet.Distance(mu2, s2, mu1, s1), 8); // symmetric in its arguments
    }

    [Fact]
    public void The_psd_square_root_squares_back()
    {
        using var g = Seeds.Generator(13);
        var s = RandomSpd(5, g);
        var r = Frechet.SqrtPsd(s);
        Assert.True(r.matmul(r).allclose(s, rtol: 1e-10, atol: 1e-10));
        Assert.True(r.allclose(r.t()));
    }

    [Fact]
    public void Fit_returns_the_mean_and_the_unbiased_covariance()
    {
        var f = tensor(new float[] { 1, 2, 3, 6, 5, 10 }).reshape(3, 2);         // columns (1,3,5) and (2,6,10)
        var (mean, cov) = Frechet.Fit(f);
        Assert.Equal(new[] { 3.0, 6.0 }, mean.data<double>().ToArray());
        Assert.Equal(new[] { 4.0, 8.0, 8.0, 16.0 }, cov.data<double>().ToArray()); // divisor n − 1 = 2
    }

    [Fact]
    public void On_sample_sets_a_shift_costs_its_squared_length_and_a_scaling_its_closed_form()
    {
        using var g = Seeds.Generator(14);
        var f = randn(new long[] { 500, 4 }, dtype: ScalarType.Float64, generator: g).matmul(RandomSpd(4, g));
        var shift = T(1, -2, 0.5, 0);
        Assert.Equal(0.0, Frechet.Distance(f, f), 8);
        Assert.Equal(5.25, Frechet.Distance(f, f + shift), 8);
        // x → c·x: μ → cμ, Σ → c²Σ, so d² = (1 − c)² (‖μ‖² + Tr Σ)
        var (mu, sigma) = Frechet.Fit(f);
        double expected = 0.25 * (mu.square().sum().item<double>() + sigma.trace().item<double>());
        Assert.Equal(expected, Frechet.Distance(f, 1.5 * f), 8);
    }

    [Fact]
    public void Bad_inputs_say_what_was_expected()
    {
        Assert.Contains("same d", Assert.Throws<ArgumentException>(() => Frechet.Distance(randn(10, 3), randn(10, 4))).Message);
        Assert.Contains("at least 2 samples", Assert.Throws<ArgumentException>(() => Frechet.Fit(randn(1, 3))).Message);
        Assert.Contains("must be symmetric", Assert.Throws<ArgumentException>(() => Frechet.Distance(T(0, 0), M(2, 1, 0.5, 0, 1), T(0, 0), eye(2, dtype: ScalarType.Float64))).Message);
        Assert.Contains("expected Σ2 of shape [2, 2], got [3, 3]", Assert.Throws<ArgumentException>(() => Frechet.Distance(T(0, 0), eye(2), T(0, 0), eye(3))).Message);
    }
}
