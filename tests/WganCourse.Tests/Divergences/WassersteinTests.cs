using WganCourse.Data;
using WganCourse.Divergences;
using WganCourse.Runtime;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace WganCourse.Tests.Divergences;

public class WassersteinTests
{
    readonly ITestOutputHelper output;
    public WassersteinTests(ITestOutputHelper output) { Course.Setup(); this.output = output; }

    static Tensor Points(double[,] p) => tensor(p.Cast<double>().ToArray(), dtype: float64).reshape(p.GetLength(0), p.GetLength(1));

    static double[] RandomVector(Random r, int n, double scale = 1) => Enumerable.Range(0, n).Select(_ => scale * (r.NextDouble() * 2 - 1)).ToArray();

    static IEnumerable<int[]> Permutations(int n)
    {
        if (n == 0) { yield return Array.Empty<int>(); yield break; }
        foreach (var p in Permutations(n - 1))
            for (int k = 0; k <= p.Length; k++)
            {
                var q = new List<int>(p);
                q.Insert(k, n - 1);
                yield return q.ToArray();
            }
    }

    [Fact]
    public void Closed_forms_two_diracs_and_the_parallel_lines()
    {
        Assert.Equal(2.5, Wasserstein.Samples1D(new[] { -1.0 }, new[] { 1.5 }), 12);
        Assert.Equal(Wasserstein.Diracs(-1, 1.5), Wasserstein.Samples1D(new[] { -1.0 }, new[] { 1.5 }), 12);
        using var a = Points(new double[,] { { 0, 0 } });
        using var b = Points(new double[,] { { 3, 4 } });
        Assert.Equal(5.0, Wasserstein.UniformPoints(a, b), 12);
        Assert.Equal(5.0, Wasserstein.Discrete(a, new[] { 1.0 }, b, new[] { 1.0 }), 12);

        foreach (var theta in new[] { -0.7, -0.1, 0.0, 0.3, 1.0 })
        {
            Assert.Equal(Math.Abs(theta), Wasserstein.ParallelLines(theta));
            // Samples of P0 and Pθ that share Z: moving each point horizontally is optimal (f(x) = sign(θ)·x₁ certifies it).
            using var z = rand(40, 1, dtype: float64, generator: Seeds.Generator(3));
            using var p0 = cat(new[] { zeros(40, 1, dtype: float64), z }, 1);
            using var pt = cat(new[] { full(40, 1, theta, dtype: float64), z }, 1)[randperm(40, generator: Seeds.Generator(4))];
            Assert.Equal(Math.Abs(theta), Wasserstein.UniformPoints(p0, pt), 9);
        }
    }

    [Fact]
    public void A_shifted_distribution_is_at_distance_the_length_of_the_shift()
    {
        var r = new Random(1);
        var x = RandomVector(r, 50, 3);
        var shifted = x.Select(v => v + 0.8).Reverse().ToArray();
        Assert.Equal(0.8, Wasserstein.Samples1D(x, shifted), 12);

        using var cloud = rand(30, 2, dtype: float64, generator: Seeds.Generator(5));
        using var moved = (cloud + tensor(new[] { 0.3, -0.4 }, dtype: float64))[randperm(30, generator: Seeds.Generator(6))];
        Assert.Equal(0.5, Wasserstein.UniformPoints(cloud, moved), 9);
        var w = Enumerable.Repeat(1.0, 30).ToArray();
        Assert.Equal(0.5, Wasserstein.Discrete(cloud, w, moved, w), 9);
    }

    [Fact]
    public void Gaussians_with_equal_std_are_at_distance_the_difference_of_means()
    {
        var grid = Enumerable.Range(0, 4001).Select(i => -10 + 20.0 * i / 4000).ToArray();
        var p = GaussianMixture.OneD("P", (1, -1.0, 0.7)).DensityOnGrid(grid);
        var q = GaussianMixture.OneD("Q", (1, 2.5, 0.7)).DensityOnGrid(grid);
        double exact = Wasserstein.GaussiansSameStd(-1, 2.5);
        Assert.Equal(3.5, exact);
        Assert.Equal(exact, Wasserstein.Densities1D(grid, p, q), 5);

        // From samples the estimate converges at rate n^(-1/2).
        using var xs = GaussianMixture.OneD("P", (1, -1.0, 0.7)).Sample(20_000, Seeds.Generator(1));
        using var ys = GaussianMixture.OneD("Q", (1, 2.5, 0.7)).Sample(20_000, Seeds.Generator(2));
        double fromSamples = Wasserstein.Samples1D(xs, ys);
        output.WriteLine($"W(N(-1,0.7), N(2.5,0.7)): grid {Wasserstein.Densities1D(grid, p, q):F7}, 20k samples {fromSamples:F4}, exact {exact}");
        Assert.InRange(fromSamples, exact - 0.03, exact + 0.03);
    }

    [Fact]
    public void Unequal_sizes_use_the_cdf_integral_and_agree_with_the_sorted_formula()
    {
        // x = {0}, y = {0, 1}: |F − G| = 1/2 on [0, 1).
        Assert.Equal(0.5, Wasserstein.Samples1D(new[] { 0.0 }, new[] { 0.0, 1.0 }), 12);
        // {0, 1, 2} vs {0.5, 3}: breakpoints 0, .5, 1, 2, 3 with |F−G| = 1/3, 1/6, 1/6, 1/2.
        Assert.Equal(0.5 / 3 + 0.5 / 6 + 1.0 / 6 + 0.5, Wasserstein.Samples1D(new[] { 0.0, 1, 2 }, new[] { 0.5, 3 }), 12);

        var r = new Random(2);
        for (int t = 0; t < 20; t++)
        {
            var x = RandomVector(r, 17);
            var y = RandomVector(r, 17, 2);
            var ones = Enumerable.Repeat(1.0, 17).ToArray();
            Assert.Equal(Wasserstein.Samples1D(x, y), Wasserstein.Weighted1D(x, ones, y, ones), 12);
            // and the d-dimensional solvers agree with the line when d = 1
            using var tx = tensor(x, dtype: float64);
            using var ty = tensor(y, dtype: float64);
            Assert.Equal(Wasserstein.Samples1D(x, y), Wasserstein.UniformPoints(tx, ty), 9);
        }
    }

    [Fact]
    public void Permutation_invariance()
    {
        using var x = randn(25, 3, dtype: float64, generator: Seeds.Generator(11));
        using var y = randn(25, 3, dtype: float64, generator: Seeds.Generator(12)) + 1;
        using var px = x[randperm(25, generator: Seeds.Generator(13))];
        using var py = y[randperm(25, generator: Seeds.Generator(14))];
        Assert.Equal(Wasserstein.UniformPoints(x, y), Wasserstein.UniformPoints(px, py), 9);
        var w = Enumerable.Range(1, 25).Select(i => (double)i).ToArray();
        var perm = randperm(25, generator: Seeds.Generator(15)).data<long>().ToArray();
        using var wx = x[tensor(perm)];
        Assert.Equal(Wasserstein.Discrete(x, w, y, w), Wasserstein.Discrete(wx, perm.Select(i => w[i]).ToArray(), y, w), 9);
        using var x1 = x[.., 0];
        using var y1 = y[.., 0];
        Assert.Equal(Wasserstein.Samples1D(x1, y1), Wasserstein.Samples1D(px[.., 0], py[.., 0]), 12);
    }

    [Fact]
    public void Hungarian_assignment_is_optimal_on_brute_forced_cases()
    {
        var r = new Random(3);
        for (int t = 0; t < 30; t++)
        {
            int n = 1 + t % 6;
            var cost = new double[n, n];
            for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++)
                    cost[i, j] = t % 3 == 0 ? r.Next(0, 4) : r.NextDouble() * 10; // integer costs give ties
            var best = Permutations(n).Min(p => Enumerable.Range(0, n).Sum(i => cost[i, p[i]]));
            var assignment = Wasserstein.Assignment(cost);
            Assert.Equal(Enumerable.Range(0, n), assignment.OrderBy(j => j)); // a permutation
            Assert.Equal(best, Enumerable.Range(0, n).Sum(i => cost[i, assignment[i]]), 9);
        }
        // rectangular: 3 rows into 5 columns, brute force over injective maps
        for (int t = 0; t < 10; t++)
        {
            var cost = new double[3, 5];
            for (int i = 0; i < 3; i++) for (int j = 0; j < 5; j++) cost[i, j] = r.NextDouble();
            double best = double.PositiveInfinity;
            for (int a = 0; a < 5; a++) for (int b = 0; b < 5; b++) for (int c = 0; c < 5; c++)
                        if (a != b && a != c && b != c) best = Math.Min(best, cost[0, a] + cost[1, b] + cost[2, c]);
            var s = Wasserstein.Assignment(cost);
            Assert.Equal(3, s.Distinct().Count());
            Assert.Equal(best, cost[0, s[0]] + cost[1, s[1]] + cost[2, s[2]], 12);
        }
    }

    [Fact]
    public void Transportation_simplex_is_exact_with_general_weights()
    {
        // Hand case: a = (0.5, 0.5) at 0 and 2; b = (0.25, 0.75) at 1 and 3. The atom at 0 must send 0.25 to 1 and
        // 0.25 to 3, the atom at 2 sends 0.5 to 3: 0.25·1 + 0.25·3 + 0.5·1 = 1.5 (= ∫|F − G| = 0.5 + 0.25 + 0.75).
        var (plan, cost) = Wasserstein.Transport(new double[,] { { 1, 3 }, { 1, 1 } }, new[] { 0.5, 0.5 }, new[] { 0.25, 0.75 });
        Assert.Equal(1.5, cost, 12);
        Assert.Equal(1.5, Wasserstein.Weighted1D(new[] { 0.0, 2 }, new[] { 0.5, 0.5 }, new[] { 1.0, 3 }, new[] { 0.25, 0.75 }), 12);
        Assert.Equal(0.25, plan[0, 1], 12);
        Assert.Equal(0.0, plan[1, 0] * plan[0, 1], 12); // no crossing on the line

        var r = new Random(4);
        for (int t = 0; t < 40; t++)
        {
            int n = 1 + r.Next(8), m = 1 + r.Next(8);
            var x = RandomVector(r, n);
            var y = RandomVector(r, m);
            // a third of the cases with equal weights (many degenerate pivots)
            var a = t % 3 == 0 ? Enumerable.Repeat(1.0, n).ToArray() : Enumerable.Range(0, n).Select(_ => r.NextDouble() + 0.01).ToArray();
            var b = t % 3 == 0 ? Enumerable.Repeat(1.0, m).ToArray() : Enumerable.Range(0, m).Select(_ => r.NextDouble() + 0.01).ToArray();
            using var tx = tensor(x, dtype: float64);
            using var ty = tensor(y, dtype: float64);
            Assert.Equal(Wasserstein.Weighted1D(x, a, y, b), Wasserstein.Discrete(tx, a, ty, b), 9);
        }
        // a larger case, with ties in the weights (degenerate pivots)
        {
            var x = RandomVector(r, 80);
            var y = RandomVector(r, 120);
            var a = x.Select((_, i) => 1.0 + i % 3).ToArray();
            var b = y.Select((_, j) => 1.0 + j % 2).ToArray();
            using var tx = tensor(x, dtype: float64);
            using var ty = tensor(y, dtype: float64);
            var sw = System.Diagnostics.Stopwatch.StartNew();
            Assert.Equal(Wasserstein.Weighted1D(x, a, y, b), Wasserstein.Discrete(tx, a, ty, b), 9);
            output.WriteLine($"80×120 transportation simplex: {sw.ElapsedMilliseconds} ms");
        }
        // 2-D: the simplex and the assignment agree on uniform equal-size clouds.
        for (int t = 0; t < 5; t++)
        {
            using var x = randn(12, 2, dtype: float64, generator: Seeds.Generator(20 + t));
            using var y = randn(12, 2, dtype: float64, generator: Seeds.Generator(40 + t));
            var w = Enumerable.Repeat(1.0, 12).ToArray();
            Assert.Equal(Wasserstein.UniformPoints(x, y), Wasserstein.Discrete(x, w, y, w), 9);
        }
        // the plan has the prescribed marginals
        var C = new double[4, 5];
        for (int i = 0; i < 4; i++) for (int j = 0; j < 5; j++) C[i, j] = r.NextDouble();
        var aa = new[] { 0.1, 0.2, 0.3, 0.4 };
        var bb = new[] { 0.3, 0.1, 0.2, 0.25, 0.15 };
        var (P, _) = Wasserstein.Transport(C, aa, bb);
        for (int i = 0; i < 4; i++) Assert.Equal(aa[i], Enumerable.Range(0, 5).Sum(j => P[i, j]), 12);
        for (int j = 0; j < 5; j++) Assert.Equal(bb[j], Enumerable.Range(0, 4).Sum(i => P[i, j]), 12);
    }

    [Fact]
    public void Sinkhorn_tends_to_the_exact_value_as_epsilon_shrinks()
    {
        using var x = randn(40, 2, dtype: float64, generator: Seeds.Generator(7));
        using var y = randn(40, 2, dtype: float64, generator: Seeds.Generator(8)) * 0.5 + 1;
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var rows = Wasserstein.SinkhornErrors(x, y, new[] { 1.0, 0.3, 0.1, 0.03, 0.01 });
        foreach (var e in rows)
            output.WriteLine($"ε = {e.Epsilon,-5} Sinkhorn {e.Sinkhorn:F6}  exact {e.Exact:F6}  abs err {e.AbsoluteError:E2}  rel {e.RelativeError:E2}  iters {e.Iterations} marginal err {e.MarginalError:E1}");
        output.WriteLine($"{sw.ElapsedMilliseconds} ms");
        Assert.All(rows, e => Assert.True(e.Converged, $"ε = {e.Epsilon} did not converge"));
        // a plan with marginal error δ can undercut the optimum by at most about max C · δ (max C < 10 here)
        Assert.All(rows, e => Assert.True(e.Sinkhorn >= e.Exact - 10 * e.MarginalError, $"entropic plan cost {e.Sinkhorn} below the optimum {e.Exact}"));
        for (int k = 1; k < rows.Count; k++) Assert.True(rows[k].AbsoluteError < rows[k - 1].AbsoluteError);
        // P_ε minimises ⟨P, C⟩ − ε H(P), so ⟨P_ε, C⟩ − W ≤ ε (H(P_ε) − H(P*)) ≤ ε (log(n m) − log n) = ε log m
        // (an optimal plan here is a permutation, entropy log n).
        Assert.All(rows, e => Assert.True(e.AbsoluteError <= e.Epsilon * Math.Log(40) + 10 * e.MarginalError, $"ε = {e.Epsilon}: error {e.AbsoluteError} above ε log m"));

        // marginals of the plan
        var s = Wasserstein.Sinkhorn(x, y, 0.1);
        Assert.True(s.MarginalError < 1e-6);
        for (int j = 0; j < 40; j++) Assert.Equal(1.0 / 40, Enumerable.Range(0, 40).Sum(i => s.Plan[i, j]), 10); // exact after the g-update
        for (int i = 0; i < 40; i++) Assert.Equal(1.0 / 40, Enumerable.Range(0, 40).Sum(j => s.Plan[i, j]), 6);
    }

    [Fact]
    public void Inputs_are_validated_with_a_message_saying_what_was_expected()
    {
        using var a = zeros(5, 2);
        using var b = zeros(5, 3);
        using var c = zeros(4, 2);
        Assert.Contains("same dimension", Assert.Throws<ArgumentException>(() => Wasserstein.UniformPoints(a, b)).Message);
        Assert.Contains("equal sizes", Assert.Throws<ArgumentException>(() => Wasserstein.UniformPoints(a, c)).Message);
        Assert.Contains("[n] or [n, 1]", Assert.Throws<ArgumentException>(() => Wasserstein.Samples1D(a, a)).Message);
        Assert.Contains("ε must be", Assert.Throws<ArgumentException>(() => Wasserstein.Sinkhorn(a, c, 0)).Message);
        Assert.Contains("masses must be equal", Assert.Throws<ArgumentException>(() =>
            Wasserstein.Transport(new double[1, 1], new[] { 1.0 }, new[] { 2.0 })).Message);
        Assert.Contains("strictly increasing", Assert.Throws<ArgumentException>(() =>
            Wasserstein.Densities1D(new[] { 0.0, 0 }, new[] { 1.0, 1 }, new[] { 1.0, 1 })).Message);
    }
}
