using TorchSharp;
using WganCourse.Data;
using WganCourse.Runtime;
using Xunit;
using static TorchSharp.torch;

namespace WganCourse.Tests.Data;

public class ToyTests
{
    public ToyTests() => Course.Setup();

    static double[] Column(Tensor x, int j) => x[.., j].to_type(float64).data<double>().ToArray();

    [Fact]
    public void Same_seed_gives_identical_samples_and_another_seed_does_not()
    {
        foreach (IToyDistribution d in new IToyDistribution[] { Toy.Ring8(), Toy.Grid25(), Toy.SwissRoll(), Toy.Bimodal1D(), Toy.ParallelLines(0.5) })
        {
            using var a = d.Sample(500, Seeds.Generator(7));
            using var b = d.Sample(500, Seeds.Generator(7));
            using var c = d.Sample(500, Seeds.Generator(8));
            Assert.True(a.eq(b).all().item<bool>(), d.Name);
            Assert.False(a.eq(c).all().item<bool>(), d.Name);
            Assert.Equal(new long[] { 500, d.Dim }, a.shape);
            Assert.Equal(ScalarType.Float32, a.dtype);
        }
    }

    [Fact]
    public void Ring_modes_follow_the_wgan_gp_toy_script()
    {
        var ring = Toy.Ring8();
        Assert.Equal(8, ring.Means.Length);
        foreach (var m in ring.Means) Assert.Equal(2 / 1.414, Math.Sqrt(m[0] * m[0] + m[1] * m[1]), 9);
        Assert.All(ring.Stds, s => Assert.Equal(0.02 / 1.414, s, 12));
        var grid = Toy.Grid25();
        Assert.Equal(25, grid.Means.Length);
        Assert.Equal(4 / 2.828, grid.Means.Max(m => m[0]), 9);
    }

    [Fact]
    public void Mixture_moments_match_the_definition()
    {
        // mixture mean Σ w μ, variance Σ w (σ² + μ²) − mean²
        var d = GaussianMixture.OneD("asym", (0.3, -1.0, 0.5), (0.7, 2.0, 0.25));
        double mean = 0.3 * -1 + 0.7 * 2, var = 0.3 * (0.25 + 1) + 0.7 * (0.0625 + 4) - mean * mean;
        using var x = d.Sample(200_000, Seeds.Generator(1));
        var v = Column(x, 0);
        double m = v.Average(), s2 = v.Select(t => (t - m) * (t - m)).Average();
        Assert.Equal(mean, m, 2);                 // standard error ≈ 0.003
        Assert.Equal(var, s2, 1);
        Assert.InRange(Math.Abs(s2 - var) / var, 0, 0.01);
    }

    [Fact]
    public void Ring_samples_sit_on_their_modes_with_the_stated_std()
    {
        var ring = Toy.Ring8();
        using var x = ring.Sample(80_000, Seeds.Generator(2));
        var xs = Column(x, 0); var ys = Column(x, 1);
        var dev = new List<double>();
        for (int i = 0; i < xs.Length; i++)
        {
            var nearest = ring.Means.MinBy(m => (xs[i] - m[0]) * (xs[i] - m[0]) + (ys[i] - m[1]) * (ys[i] - m[1]))!;
            dev.Add(xs[i] - nearest[0]);
        }
        Assert.Equal(0, dev.Average(), 3);
        Assert.InRange(Math.Sqrt(dev.Select(t => t * t).Average()) / ring.Stds[0], 0.98, 1.02);
        Assert.Equal(0, xs.Average(), 2);  // symmetric ring: mean at the origin
    }

    [Fact]
    public void Swiss_roll_radius_follows_t_and_parallel_lines_are_uniform_on_the_segment()
    {
        using var x = Toy.SwissRoll(noise: 0).Sample(20_000, Seeds.Generator(3));
        var r = Column(x, 0).Zip(Column(x, 1), (a, b) => Math.Sqrt(a * a + b * b) * 7.5).ToArray();
        Assert.InRange(r.Min(), 1.5 * Math.PI - 1e-3, 1.5 * Math.PI + 0.05);   // t ∈ [1.5π, 4.5π]
        Assert.InRange(r.Max(), 4.5 * Math.PI - 0.05, 4.5 * Math.PI + 1e-3);
        Assert.Equal(3 * Math.PI, r.Average(), 1);                              // E t = 3π

        using var p = Toy.ParallelLines(0.7).Sample(50_000, Seeds.Generator(4));
        Assert.All(Column(p, 0), v => Assert.Equal(0.7, v, 6));
        var z = Column(p, 1);
        Assert.InRange(z.Min(), 0, 0.01); Assert.InRange(z.Max(), 0.99, 1);
        Assert.Equal(0.5, z.Average(), 2);
        Assert.InRange(z.Select(t => (t - 0.5) * (t - 0.5)).Average() * 12, 0.98, 1.02); // Var U[0,1] = 1/12, s.e. ≈ 0.4 %
    }

    [Fact]
    public void Densities_integrate_to_one()
    {
        var d = GaussianMixture.OneD("three", (0.2, -3, 0.4), (0.5, 0, 1), (0.3, 4, 0.1));
        const double h = 1e-3;
        var grid = Enumerable.Range(0, 20_001).Select(i => -10 + i * h).ToArray();
        Assert.Equal(1.0, d.DensityOnGrid(grid).Sum() * h, 6);

        var ring = Toy.Ring8(std: 0.2); // wider modes so a 2-D grid resolves them
        const double g = 0.01;
        double total = 0;
        for (double u = -3; u <= 3; u += g) for (double v = -3; v <= 3; v += g) total += ring.Density(u, v) * g * g;
        Assert.Equal(1.0, total, 3);
    }

    [Fact]
    public void Bad_arguments_say_what_was_expected()
    {
        Assert.Contains("sum to 1", Assert.Throws<ArgumentException>(() => GaussianMixture.OneD("x", (0.5, 0, 1), (0.6, 1, 1))).Message);
        Assert.Contains("std", Assert.Throws<ArgumentException>(() => GaussianMixture.OneD("x", (1.0, 0, 0))).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Toy.Ring8().Sample(0, Seeds.Generator(1)));
        Assert.Contains("coordinates", Assert.Throws<ArgumentException>(() => Toy.Ring8().Density(1.0)).Message);
    }
}
