using TorchSharp;
using static TorchSharp.torch;

namespace WganCourse.Data;

/// <summary>A toy distribution the course can sample from, seeded, in any dimension.</summary>
public interface IToyDistribution
{
    string Name { get; }
    int Dim { get; }
    /// <summary>n samples, shape [n, Dim], float32, on the CPU; the generator makes it reproducible.</summary>
    Tensor Sample(int n, Generator generator);
}

/// <summary>A mixture of isotropic Gaussians: the 1-D mixtures of notebook 01, the ring and the grid.</summary>
public sealed class GaussianMixture : IToyDistribution
{
    public string Name { get; }
    public int Dim { get; }
    /// <summary>Mode centres, one row per mode.</summary>
    public double[][] Means { get; }
    public double[] Stds { get; }
    public double[] Weights { get; }

    public GaussianMixture(string name, double[][] means, double[] stds, double[]? weights = null)
    {
        if (means.Length == 0) throw new ArgumentException("a mixture needs at least one mode", nameof(means));
        if (stds.Length != means.Length) throw new ArgumentException($"got {stds.Length} stds for {means.Length} modes", nameof(stds));
        if (stds.Any(s => !(s > 0))) throw new ArgumentException("every std must be > 0", nameof(stds));
        Dim = means[0].Length;
        if (means.Any(m => m.Length != Dim)) throw new ArgumentException("all means must have the same dimension", nameof(means));
        weights ??= Enumerable.Repeat(1.0 / means.Length, means.Length).ToArray();
        if (weights.Length != means.Length || weights.Any(w => w < 0) || Math.Abs(weights.Sum() - 1) > 1e-9)
            throw new ArgumentException("weights must be non-negative, one per mode, and sum to 1", nameof(weights));
        (Name, Means, Stds, Weights) = (name, means, stds, weights);
    }

    /// <summary>A 1-D mixture from (weight, mean, std) triples.</summary>
    public static GaussianMixture OneD(string name, params (double Weight, double Mean, double Std)[] parts) =>
        new(name, parts.Select(p => new[] { p.Mean }).ToArray(), parts.Select(p => p.Std).ToArray(), parts.Select(p => p.Weight).ToArray());

    public Tensor Sample(int n, Generator generator)
    {
        using var scope = NewDisposeScope();
        return SampleEach(n, new[] { generator })[0].MoveToOuterDisposeScope();
    }

    /// <summary> One batch from each of several streams at once, [G, n, Dim]: slice g is bit for
    /// bit <c>Sample(n, generators[g])</c> (each stream draws its modes, then its noise, as there),
    /// but the mode lookup and the arithmetic run once for all streams, so a K-seed batch makes 2K
    /// + 8 libtorch calls instead of 13K. </summary>
    public Tensor SampleEach(int n, IReadOnlyList<Generator> generators)
    {
        if (n <= 0)
            throw new ArgumentOutOfRangeException(nameof(n), n, "sample count must be positive");
        ArgumentNullException.ThrowIfNull(generators);
        if (generators.Count == 0) throw new ArgumentException("no generator", nameof(generators));
        using var scope = NewDisposeScope();
        var w = tensor(Weights, dtype: float64);
        int G = generators.Count;
        var which = new Tensor[G];
        var noise = new Tensor[G];
        for (int g = 0; g < G; g++)
        {
            which[g] = multinomial(w, n, replacement: true, generator: generators[g]);
            noise[g] = randn(new long[] { n, Dim }, dtype: float64, generator: generators[g]);
        }
        var all = cat(which);
        var mu = tensor(Means.SelectMany(m => m).ToArray(), dtype: float64)
            .reshape(Means.Length, Dim)
            .index_select(0, all).view(G, n, Dim);
        var sd = tensor(Stds, dtype: float64).index_select(0, all).view(G, n, 1);
        var x = mu + sd * stack(noise);
        return x.to_type(float32).MoveToOuterDisposeScope();
    }

    /// <summary>Exact density at one point.</summary>
    public double Density(params double[] x)
    {
        if (x.Length != Dim) throw new ArgumentException($"point has {x.Length} coordinates, the mixture has {Dim}");
        double p = 0;
        for (int k = 0; k < Means.Length; k++)
        {
            double s2 = Stds[k] * Stds[k], d2 = 0;
            for (int j = 0; j < Dim; j++) d2 += (x[j] - Means[k][j]) * (x[j] - Means[k][j]);
            p += Weights[k] * Math.Exp(-d2 / (2 * s2)) / Math.Pow(2 * Math.PI * s2, Dim / 2.0);
        }
        return p;
    }

    /// <summary>Exact density on a 1-D grid (1-D mixtures only).</summary>
    public double[] DensityOnGrid(IReadOnlyList<double> grid)
    {
        if (Dim != 1) throw new InvalidOperationException($"{Name} is {Dim}-D; use Density(params double[]) per point");
        return grid.Select(g => Density(g)).ToArray();
    }
}

/// <summary>
/// The toy data of the course, with the parameters of Gulrajani et al.'s toy script (wgan_toy.py):
/// centres and noise are scaled after sampling, so the published std is the std before the scaling.
/// </summary>
public static class Toy
{
    /// <summary>8 Gaussians on a circle of radius 2, std 0.02, then everything divided by 1.414.</summary>
    public static GaussianMixture Ring8(double radius = 2.0, double std = 0.02, double scale = 1 / 1.414)
    {
        var means = Enumerable.Range(0, 8).Select(k => 2 * Math.PI * k / 8)
            .Select(a => new[] { scale * radius * Math.Cos(a), scale * radius * Math.Sin(a) }).ToArray();
        return new GaussianMixture("8 Gaussians (ring)", means, Enumerable.Repeat(std * scale, 8).ToArray());
    }

    /// <summary>25 Gaussians on the grid {−4,−2,0,2,4}², std 0.05, then divided by 2.828.</summary>
    public static GaussianMixture Grid25(double std = 0.05, double scale = 1 / 2.828)
    {
        var axis = new[] { -4.0, -2, 0, 2, 4 };
        var means = axis.SelectMany(x => axis.Select(y => new[] { scale * x, scale * y })).ToArray();
        return new GaussianMixture("25 Gaussians (grid)", means, Enumerable.Repeat(std * scale, 25).ToArray());
    }

    /// <summary>Two well separated 1-D modes, the target of notebook 01.</summary>
    public static GaussianMixture Bimodal1D() => GaussianMixture.OneD("bimodal 1-D", (0.5, -2.0, 0.5), (0.5, 2.0, 0.5));

    public static SwissRoll SwissRoll(double noise = 0.25, double scale = 1 / 7.5) => new(noise, scale);

    public static ParallelLines ParallelLines(double theta) => new(theta);
}

/// <summary>
/// sklearn's make_swiss_roll (t = 1.5π(1 + 2u), point (t cos t, 21v, t sin t) + noise·N(0, I)), keeping
/// coordinates x and z, divided by 7.5 as in the WGAN-GP toy script. It has no closed-form density.
/// </summary>
public sealed class SwissRoll(double noise, double scale) : IToyDistribution
{
    public string Name => "Swiss roll";
    public int Dim => 2;
    public double Noise => noise;

    public Tensor Sample(int n, Generator generator)
    {
        if (n <= 0) throw new ArgumentOutOfRangeException(nameof(n), n, "sample count must be positive");
        using var scope = NewDisposeScope();
        var t = 1.5 * Math.PI * (1 + 2 * rand(n, dtype: float64, generator: generator));
        var e = randn(new long[] { n, 2 }, dtype: float64, generator: generator) * noise;
        var xz = stack(new[] { t * cos(t), t * sin(t) }, 1) + e;
        return (xz * scale).to_type(float32).MoveToOuterDisposeScope();
    }
}

/// <summary>
/// WGAN paper, Example 1: Z ~ U[0,1], P0 is the law of (0, Z) and Pθ of (θ, Z). Two parallel segments:
/// for θ ≠ 0 their supports are disjoint, so JS = log 2, KL = +∞, TV = 1, while W = |θ|.
/// </summary>
public sealed class ParallelLines(double theta) : IToyDistribution
{
    public double Theta => theta;
    public string Name => $"parallel line θ={theta:0.###}";
    public int Dim => 2;

    public Tensor Sample(int n, Generator generator)
    {
        if (n <= 0) throw new ArgumentOutOfRangeException(nameof(n), n, "sample count must be positive");
        using var scope = NewDisposeScope();
        var z = rand(n, 1, generator: generator);
        return cat(new[] { full(n, 1, theta), z }, 1).MoveToOuterDisposeScope();
    }
}
