using TorchSharp;
using static TorchSharp.torch;

namespace WganCourse.Divergences;

/// <summary>Result of entropic optimal transport (<c>Wasserstein.Sinkhorn</c>).</summary>
/// <param name="Cost">⟨P_ε, C⟩: the transport cost of the entropic plan (not the regularised objective).</param>
/// <param name="Epsilon">Entropic regularisation ε, in the units of the cost.</param>
/// <param name="Iterations">Sinkhorn iterations done (one f-update and one g-update each).</param>
/// <param name="MarginalError">‖P 1 − a‖₁ after the last iteration (column marginals are exact after the g-update).</param>
/// <param name="Converged">True when <paramref name="MarginalError"/> fell below the tolerance within the iteration cap.</param>
/// <param name="Plan">The entropic plan P_ε, rows = source points, columns = target points.</param>
public sealed record SinkhornResult(double Cost, double Epsilon, int Iterations, double MarginalError, bool Converged, double[,] Plan);

/// <summary>One row of <see cref="Wasserstein.SinkhornErrors"/>: how far entropic OT is from the exact W1 at this ε.</summary>
public sealed record SinkhornError(double Epsilon, double Sinkhorn, double Exact, int Iterations, bool Converged, double MarginalError)
{
    public double AbsoluteError => Math.Abs(Sinkhorn - Exact);
    public double RelativeError => Exact == 0 ? AbsoluteError : AbsoluteError / Math.Abs(Exact);
}

/// <summary>
/// The Wasserstein-1 (earth-mover) distance W(P, Q) = inf over couplings γ ∈ Π(P, Q) of E_(x,y)~γ ‖x − y‖
/// (WGAN paper, eq. 1), computed exactly where that is cheap and approximately (Sinkhorn, error reported) elsewhere.
/// <list type="bullet">
/// <item>1-D samples or weighted atoms: W1 = ∫ |F(t) − G(t)| dt, exact; for equal sizes this is the mean of
/// |x_(i) − y_(i)| over the sorted samples (the monotone coupling is optimal on the line).</item>
/// <item>1-D densities on a grid: the same CDF integral by the trapezoid rule.</item>
/// <item>Point sets in any dimension: equal-size uniform sets by an exact assignment (Hungarian algorithm, O(n³));
/// general weights by the transportation simplex (the network simplex on the bipartite graph; Dantzig's rule,
/// switching to Bland's rule if degenerate pivots pile up, so it terminates). Both are exact up to float rounding.</item>
/// <item>Entropic OT by log-domain Sinkhorn, which approaches the exact value as ε → 0.</item>
/// </list>
/// Ground cost: the Euclidean distance, as in the WGAN paper.
/// </summary>
public static class Wasserstein
{
    // ---------------------------------------------------------------- closed forms

    /// <summary>WGAN paper, Example 1: W(P0, Pθ) = |θ| for the parallel lines (0, Z) and (θ, Z), Z ~ U[0, 1].
    /// It is continuous in θ with derivative sign(θ) everywhere but 0, where JS jumps from 0 to log 2.</summary>
    public static double ParallelLines(double theta) => Math.Abs(theta);

    /// <summary>W(δ_a, δ_b) = ‖a − b‖: the only coupling moves all the mass from a to b.</summary>
    public static double Diracs(double a, double b) => Math.Abs(a - b);

    /// <summary>W(N(μ1, σ²), N(μ2, σ²)) = |μ1 − μ2|: equal shapes, so the optimal map is the translation
    /// (any distribution and its shift by s are at distance |s|).</summary>
    public static double GaussiansSameStd(double mu1, double mu2) => Math.Abs(mu1 - mu2);

    // ---------------------------------------------------------------- 1-D, exact

    /// <summary>
    /// Exact W1 between two 1-D empirical distributions (uniform weights). Equal sizes: mean |x_(i) − y_(i)| over
    /// the sorted samples. Unequal sizes: ∫ |F_n − G_m| dt over the empirical CDFs.
    /// </summary>
    public static double Samples1D(double[] x, double[] y)
    {
        CheckSamples(x, nameof(x));
        CheckSamples(y, nameof(y));
        if (x.Length == y.Length)
        {
            var xs = x.OrderBy(v => v).ToArray();
            var ys = y.OrderBy(v => v).ToArray();
            double s = 0;
            for (int i = 0; i < xs.Length; i++) s += Math.Abs(xs[i] - ys[i]);
            return s / xs.Length;
        }
        return Weighted1D(x, Uniform(x.Length), y, Uniform(y.Length));
    }

    /// <summary>Exact W1 between 1-D samples given as tensors of shape [n] or [n, 1] (any device, any float dtype).</summary>
    public static double Samples1D(Tensor x, Tensor y) => Samples1D(ToVector1D(x, nameof(x)), ToVector1D(y, nameof(y)));

    /// <summary>
    /// Exact W1 between two weighted sets of atoms on the line: ∫ |F(t) − G(t)| dt, where F and G are step CDFs.
    /// Weights must be non-negative; each set is normalised to total mass 1.
    /// </summary>
    public static double Weighted1D(IReadOnlyList<double> x, IReadOnlyList<double> wx, IReadOnlyList<double> y, IReadOnlyList<double> wy)
    {
        CheckSamples(x, nameof(x));
        CheckSamples(y, nameof(y));
        var a = Normalised(wx, x.Count, nameof(wx));
        var b = Normalised(wy, y.Count, nameof(wy));
        // Merge all atoms; between consecutive positions both CDFs are constant.
        var events = x.Select((v, i) => (Pos: v, DF: a[i], DG: 0.0))
            .Concat(y.Select((v, j) => (Pos: v, DF: 0.0, DG: b[j])))
            .OrderBy(e => e.Pos).ToArray();
        double f = 0, g = 0, w = 0;
        for (int k = 0; k < events.Length - 1; k++)
        {
            f += events[k].DF;
            g += events[k].DG;
            w += Math.Abs(f - g) * (events[k + 1].Pos - events[k].Pos);
        }
        return w;
    }

    /// <summary>
    /// W1 between two 1-D densities tabulated on the same increasing grid: ∫ |F − G| dx with F, G the cumulative
    /// trapezoid integrals of p and q. Each density is normalised to mass 1 on the grid, so the grid must cover
    /// (nearly) all of both distributions; the error is the trapezoid rule's, O(h²) for smooth densities.
    /// </summary>
    public static double Densities1D(IReadOnlyList<double> grid, IReadOnlyList<double> p, IReadOnlyList<double> q)
    {
        int n = grid.Count;
        if (n < 2) throw new ArgumentException($"the grid needs at least 2 points, got {n}", nameof(grid));
        if (p.Count != n || q.Count != n)
            throw new ArgumentException($"densities must have one value per grid point ({n}), got {p.Count} and {q.Count}");
        for (int i = 1; i < n; i++)
            if (!(grid[i] > grid[i - 1])) throw new ArgumentException($"the grid must be strictly increasing (grid[{i - 1}] = {grid[i - 1]}, grid[{i}] = {grid[i]})", nameof(grid));
        if (p.Any(v => !(v >= 0) || double.IsInfinity(v)) || q.Any(v => !(v >= 0) || double.IsInfinity(v)))
            throw new ArgumentException("densities must be finite and non-negative");
        var F = CumulativeTrapezoid(grid, p);
        var G = CumulativeTrapezoid(grid, q);
        if (!(F[^1] > 0) || !(G[^1] > 0)) throw new ArgumentException("each density must have positive mass on the grid");
        double w = 0;
        for (int i = 1; i < n; i++)
        {
            double d0 = Math.Abs(F[i - 1] / F[^1] - G[i - 1] / G[^1]);
            double d1 = Math.Abs(F[i] / F[^1] - G[i] / G[^1]);
            w += 0.5 * (d0 + d1) * (grid[i] - grid[i - 1]);
        }
        return w;
    }

    // ---------------------------------------------------------------- any dimension, exact

    /// <summary>
    /// Exact W1 between two equal-size point clouds with uniform weights (shape [n, d] each): the optimal plan is a
    /// permutation (Birkhoff), found by the Hungarian algorithm on the Euclidean cost matrix. O(n³): fine to n ≈ 1000.
    /// </summary>
    public static double UniformPoints(Tensor x, Tensor y)
    {
        var (cost, n, m) = CostMatrix(x, y);
        if (n != m) throw new ArgumentException($"the assignment needs equal sizes, got {n} and {m} points; use Discrete(x, a, y, b) for unequal sizes");
        var assignment = Assignment(cost);
        double s = 0;
        for (int i = 0; i < n; i++) s += cost[i, assignment[i]];
        return s / n;
    }

    /// <summary>
    /// Exact W1 between discrete distributions Σ a_i δ_{x_i} and Σ b_j δ_{y_j} in any dimension (x: [n, d], y: [m, d]),
    /// by the transportation simplex. Weights are normalised to mass 1. Sizes up to a few hundred are quick.
    /// </summary>
    public static double Discrete(Tensor x, IReadOnlyList<double> a, Tensor y, IReadOnlyList<double> b)
    {
        var (cost, n, m) = CostMatrix(x, y);
        return Transport(cost, Normalised(a, n, nameof(a)), Normalised(b, m, nameof(b))).Cost;
    }

    /// <summary>
    /// Exact assignment (Hungarian algorithm with row/column potentials, O(n²m)): for an n×m cost matrix with n ≤ m,
    /// returns for each row the column it is matched to, minimising the total cost.
    /// </summary>
    public static int[] Assignment(double[,] cost)
    {
        int n = cost.GetLength(0), m = cost.GetLength(1);
        if (n == 0) return Array.Empty<int>();
        if (n > m) throw new ArgumentException($"the assignment needs rows ≤ columns, got a {n}×{m} cost matrix");
        CheckFinite(cost);
        // 1-based arrays; column 0 is a virtual column holding the row being inserted.
        var u = new double[n + 1];
        var v = new double[m + 1];
        var rowOf = new int[m + 1];
        var way = new int[m + 1];
        for (int i = 1; i <= n; i++)
        {
            rowOf[0] = i;
            int j0 = 0;
            var minv = Enumerable.Repeat(double.PositiveInfinity, m + 1).ToArray();
            var used = new bool[m + 1];
            do
            {
                // Dijkstra-like growth of the alternating tree with reduced costs cost − u − v ≥ 0.
                used[j0] = true;
                int i0 = rowOf[j0], j1 = 0;
                double delta = double.PositiveInfinity;
                for (int j = 1; j <= m; j++)
                {
                    if (used[j]) continue;
                    double cur = cost[i0 - 1, j - 1] - u[i0] - v[j];
                    if (cur < minv[j]) { minv[j] = cur; way[j] = j0; }
                    if (minv[j] < delta) { delta = minv[j]; j1 = j; }
                }
                for (int j = 0; j <= m; j++)
                {
                    if (used[j]) { u[rowOf[j]] += delta; v[j] -= delta; }
                    else minv[j] -= delta;
                }
                j0 = j1;
            } while (rowOf[j0] != 0);
            // Augment along the alternating path back to the virtual column.
            do
            {
                int j1 = way[j0];
                rowOf[j0] = rowOf[j1];
                j0 = j1;
            } while (j0 != 0);
        }
        var result = new int[n];
        for (int j = 1; j <= m; j++) if (rowOf[j] != 0) result[rowOf[j] - 1] = j - 1;
        return result;
    }

    /// <summary>
    /// Exact optimal transport between weights a (rows) and b (columns) for a cost matrix, by the transportation
    /// simplex: north-west-corner start, potentials u_i + v_j = C_ij on the basis tree, entering cell of most negative
    /// reduced cost (Dantzig), ratio test along the tree cycle; after 20·(n+m) degenerate pivots in a row it switches to
    /// Bland's rule (smallest index enters and leaves), which cannot cycle. Returns the plan and its cost Σ P_ij C_ij.
    /// </summary>
    public static (double[,] Plan, double Cost) Transport(double[,] cost, IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        int n = cost.GetLength(0), m = cost.GetLength(1);
        if (a.Count != n || b.Count != m)
            throw new ArgumentException($"a {n}×{m} cost matrix needs {n} source and {m} target weights, got {a.Count} and {b.Count}");
        CheckFinite(cost);
        double sa = a.Sum(), sb = b.Sum();
        if (a.Any(w => !(w >= 0)) || b.Any(w => !(w >= 0))) throw new ArgumentException("weights must be non-negative");
        if (Math.Abs(sa - sb) > 1e-9 * Math.Max(1, Math.Max(sa, sb)))
            throw new ArgumentException($"source and target masses must be equal, got {sa} and {sb}");

        var flow = new double[n, m];
        var basic = new bool[n, m];
        var basis = new List<(int I, int J)>(n + m - 1);
        // North-west corner: a staircase of exactly n + m − 1 cells, a spanning tree of the bipartite graph.
        var ra = a.ToArray();
        var rb = b.ToArray();
        rb[m - 1] += sa - sb; // absorb rounding so the last cell balances
        for (int i = 0, j = 0; ;)
        {
            double f = Math.Max(0, Math.Min(ra[i], rb[j]));
            flow[i, j] = f; basic[i, j] = true; basis.Add((i, j));
            ra[i] -= f; rb[j] -= f;
            if (i == n - 1 && j == m - 1) break;
            if (j == m - 1 || (i < n - 1 && ra[i] <= rb[j])) i++; else j++;
        }

        double scale = 0;
        foreach (var c in cost) scale = Math.Max(scale, Math.Abs(c));
        double tol = 1e-12 * Math.Max(scale, 1e-300);
        var u = new double[n];
        var v = new double[m];
        int degenerateRun = 0, maxIterations = 50 * (n + m) * (n + m) + 1000;
        bool bland = false;
        for (int iteration = 0; ; iteration++)
        {
            if (iteration > maxIterations)
                throw new InvalidOperationException($"transportation simplex did not finish in {maxIterations} pivots ({n}×{m})");
            var adjacency = Adjacency(basis, n, m);
            Potentials(adjacency, cost, n, u, v);

            // Entering cell.
            int ei = -1, ej = -1;
            double best = -tol;
            for (int i = 0; i < n && !(bland && ei >= 0); i++)
                for (int j = 0; j < m; j++)
                {
                    if (basic[i, j]) continue;
                    double r = cost[i, j] - u[i] - v[j];
                    if (r < best) { best = r; ei = i; ej = j; if (bland) break; }
                }
            if (ei < 0) break; // all reduced costs ≥ 0: optimal

            // The cycle: entering cell (+), then the tree path from row ei to column ej, signs −, +, −, ..., −.
            var path = TreePath(adjacency, n, ei, n + ej);
            double theta = double.PositiveInfinity;
            int leave = -1;
            for (int k = 0; k < path.Count; k += 2)
            {
                var (i, j) = path[k];
                double x = flow[i, j];
                if (x < theta) { theta = x; leave = k; }
                else if (bland && x == theta && Index(path[k], m) < Index(path[leave], m)) leave = k;
            }
            for (int k = 0; k < path.Count; k++)
            {
                var (i, j) = path[k];
                flow[i, j] += k % 2 == 0 ? -theta : theta;
            }
            flow[ei, ej] = theta;
            var (li, lj) = path[leave];
            flow[li, lj] = 0;
            basic[li, lj] = false;
            basis.Remove((li, lj));
            basic[ei, ej] = true;
            basis.Add((ei, ej));

            degenerateRun = theta == 0 ? degenerateRun + 1 : 0;
            if (degenerateRun > 20 * (n + m)) bland = true;
        }

        double total = 0;
        for (int i = 0; i < n; i++)
            for (int j = 0; j < m; j++)
            {
                if (flow[i, j] < 0) flow[i, j] = 0; // −1e-17 rounding
                total += flow[i, j] * cost[i, j];
            }
        return (flow, total);
    }

    static int Index((int I, int J) cell, int m) => cell.I * m + cell.J;

    static List<(int Node, int I, int J)>[] Adjacency(List<(int I, int J)> basis, int n, int m)
    {
        var adj = new List<(int, int, int)>[n + m];
        for (int k = 0; k < adj.Length; k++) adj[k] = new List<(int, int, int)>(4);
        foreach (var (i, j) in basis)
        {
            adj[i].Add((n + j, i, j));
            adj[n + j].Add((i, i, j));
        }
        return adj;
    }

    static void Potentials(List<(int Node, int I, int J)>[] adj, double[,] cost, int n, double[] u, double[] v)
    {
        var seen = new bool[adj.Length];
        var stack = new Stack<int>();
        u[0] = 0; seen[0] = true; stack.Push(0);
        while (stack.Count > 0)
        {
            int node = stack.Pop();
            foreach (var (other, i, j) in adj[node])
            {
                if (seen[other]) continue;
                seen[other] = true;
                if (other >= n) v[j] = cost[i, j] - u[i]; else u[i] = cost[i, j] - v[j];
                stack.Push(other);
            }
        }
        if (seen.Any(s => !s)) throw new InvalidOperationException("transportation simplex: the basis is not a spanning tree (internal error)");
    }

    /// <summary>Cells on the tree path between two nodes, in order from <paramref name="from"/>.</summary>
    static List<(int I, int J)> TreePath(List<(int Node, int I, int J)>[] adj, int n, int from, int to)
    {
        var parent = new (int Node, int I, int J)[adj.Length];
        var seen = new bool[adj.Length];
        var queue = new Queue<int>();
        seen[from] = true; queue.Enqueue(from);
        while (queue.Count > 0 && !seen[to])
        {
            int node = queue.Dequeue();
            foreach (var (other, i, j) in adj[node])
            {
                if (seen[other]) continue;
                seen[other] = true;
                parent[other] = (node, i, j);
                queue.Enqueue(other);
            }
        }
        var path = new List<(int I, int J)>();
        for (int node = to; node != from; node = parent[node].Node) path.Add((parent[node].I, parent[node].J));
        path.Reverse();
        return path;
    }

    // ---------------------------------------------------------------- entropic OT

    /// <summary>
    /// Entropic optimal transport by Sinkhorn's algorithm in the log domain (stable for small ε):
    /// f_i = −ε log Σ_j b_j exp((g_j − C_ij)/ε), g_j = −ε log Σ_i a_i exp((f_i − C_ij)/ε),
    /// P_ij = a_i b_j exp((f_i + g_j − C_ij)/ε). Returns ⟨P, C⟩, which is ≥ the exact W1 (for exact marginals) and
    /// tends to it as ε → 0; the iterations needed grow roughly like max C / ε. Computed in float64 on the tensors' device.
    /// </summary>
    /// <param name="x">Source points [n, d].</param>
    /// <param name="y">Target points [m, d].</param>
    /// <param name="epsilon">Regularisation, in cost units (distance), &gt; 0.</param>
    /// <param name="a">Source weights (uniform when null).</param>
    /// <param name="b">Target weights (uniform when null).</param>
    /// <param name="maxIterations">Cap on iterations.</param>
    /// <param name="tolerance">Stop when the row-marginal error ‖P1 − a‖₁ is below this (the cost is then within about
    /// max C × tolerance of the cost of a plan with exact marginals).</param>
    public static SinkhornResult Sinkhorn(Tensor x, Tensor y, double epsilon, IReadOnlyList<double>? a = null, IReadOnlyList<double>? b = null,
        int maxIterations = 100_000, double tolerance = 1e-6)
    {
        var (cost, n, m) = CostMatrix(x, y);
        return Sinkhorn(cost, epsilon, a is null ? Uniform(n) : Normalised(a, n, nameof(a)), b is null ? Uniform(m) : Normalised(b, m, nameof(b)),
            maxIterations, tolerance, x.device);
    }

    /// <summary>Log-domain Sinkhorn on a given cost matrix (see the point-cloud overload).</summary>
    public static SinkhornResult Sinkhorn(double[,] cost, double epsilon, IReadOnlyList<double> a, IReadOnlyList<double> b,
        int maxIterations = 100_000, double tolerance = 1e-6, Device? device = null)
    {
        int n = cost.GetLength(0), m = cost.GetLength(1);
        if (!(epsilon > 0) || double.IsInfinity(epsilon)) throw new ArgumentException($"ε must be a positive number, got {epsilon}", nameof(epsilon));
        if (a.Count != n || b.Count != m) throw new ArgumentException($"a {n}×{m} cost matrix needs {n} and {m} weights, got {a.Count} and {b.Count}");
        if (maxIterations < 1) throw new ArgumentException($"maxIterations must be ≥ 1, got {maxIterations}", nameof(maxIterations));
        CheckFinite(cost);
        device ??= CPU;
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var C = tensor(cost.Cast<double>().ToArray(), dtype: float64, device: device).reshape(n, m);
        var loga = tensor(a.ToArray(), dtype: float64, device: device).log();
        var logb = tensor(b.ToArray(), dtype: float64, device: device).log();
        var A = tensor(a.ToArray(), dtype: float64, device: device);
        var f = zeros(n, dtype: float64, device: device);
        var g = zeros(m, dtype: float64, device: device);
        var mC = -C / epsilon;
        int it = 0;
        double err = double.PositiveInfinity;
        const int checkEvery = 10;
        while (it < maxIterations)
        {
            using var inner = NewDisposeScope();
            f = (-epsilon * (mC + (g / epsilon + logb).unsqueeze(0)).logsumexp(1)).MoveToOuterDisposeScope();
            g = (-epsilon * (mC + (f / epsilon + loga).unsqueeze(1)).logsumexp(0)).MoveToOuterDisposeScope();
            it++;
            if (it % checkEvery == 0 || it == maxIterations)
            {
                var rows = (mC + (f / epsilon + loga).unsqueeze(1) + (g / epsilon + logb).unsqueeze(0)).exp().sum(1);
                err = (rows - A).abs().sum().item<double>();
                if (err < tolerance) break;
            }
        }
        var P = (mC + (f / epsilon + loga).unsqueeze(1) + (g / epsilon + logb).unsqueeze(0)).exp();
        double transport = (P * C).sum().item<double>();
        var plan = new double[n, m];
        var flat = P.cpu().data<double>().ToArray();
        Buffer.BlockCopy(flat, 0, plan, 0, flat.Length * sizeof(double));
        return new SinkhornResult(transport, epsilon, it, err, err < tolerance, plan);
    }

    /// <summary>
    /// Sinkhorn's transport cost for each ε against the exact W1 (transportation simplex) between the same point
    /// clouds with uniform weights, so a notebook can show the error shrinking as ε → 0.
    /// </summary>
    public static IReadOnlyList<SinkhornError> SinkhornErrors(Tensor x, Tensor y, IEnumerable<double> epsilons, int maxIterations = 100_000, double tolerance = 1e-6)
    {
        var (cost, n, m) = CostMatrix(x, y);
        double exact = Transport(cost, Uniform(n), Uniform(m)).Cost;
        return epsilons.Select(eps =>
        {
            var s = Sinkhorn(cost, eps, Uniform(n), Uniform(m), maxIterations, tolerance, x.device);
            return new SinkhornError(eps, s.Cost, exact, s.Iterations, s.Converged, s.MarginalError);
        }).ToArray();
    }

    // ---------------------------------------------------------------- helpers

    /// <summary>Euclidean cost matrix ‖x_i − y_j‖ between point clouds [n, d] and [m, d] (1-D tensors count as d = 1).</summary>
    public static (double[,] Cost, int N, int M) CostMatrix(Tensor x, Tensor y)
    {
        var X = AsPoints(x, nameof(x));
        var Y = AsPoints(y, nameof(y));
        if (X.GetLength(1) != Y.GetLength(1))
            throw new ArgumentException($"point clouds must have the same dimension, got [{X.GetLength(0)}, {X.GetLength(1)}] and [{Y.GetLength(0)}, {Y.GetLength(1)}]");
        int n = X.GetLength(0), m = Y.GetLength(0), d = X.GetLength(1);
        var cost = new double[n, m];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < m; j++)
            {
                double s = 0;
                for (int k = 0; k < d; k++) { double t = X[i, k] - Y[j, k]; s += t * t; }
                cost[i, j] = Math.Sqrt(s);
            }
        return (cost, n, m);
    }

    static double[,] AsPoints(Tensor t, string name)
    {
        using var scope = NewDisposeScope();
        if (t.dim() == 1) t = t.unsqueeze(1);
        else if (t.dim() != 2) throw new ArgumentException($"{name}: expected points of shape [n, d] (or [n]), got [{string.Join(", ", t.shape)}]", name);
        if (t.shape[0] == 0) throw new ArgumentException($"{name}: needs at least one point", name);
        if (!t.is_floating_point()) throw new ArgumentException($"{name}: expected a floating-point tensor, got {t.dtype}", name);
        int n = (int)t.shape[0], d = (int)t.shape[1];
        var flat = t.detach().to_type(float64).cpu().contiguous().data<double>().ToArray();
        if (flat.Any(v => !double.IsFinite(v))) throw new ArgumentException($"{name}: contains NaN or infinity", name);
        var result = new double[n, d];
        Buffer.BlockCopy(flat, 0, result, 0, flat.Length * sizeof(double));
        return result;
    }

    static double[] ToVector1D(Tensor t, string name)
    {
        using var scope = NewDisposeScope();
        if (!(t.dim() == 1 || (t.dim() == 2 && t.shape[1] == 1)))
            throw new ArgumentException($"{name}: expected 1-D samples of shape [n] or [n, 1], got [{string.Join(", ", t.shape)}]", name);
        if (!t.is_floating_point()) throw new ArgumentException($"{name}: expected a floating-point tensor, got {t.dtype}", name);
        return t.detach().reshape(-1).to_type(float64).cpu().data<double>().ToArray();
    }

    static double[] CumulativeTrapezoid(IReadOnlyList<double> grid, IReadOnlyList<double> p)
    {
        var F = new double[grid.Count];
        for (int i = 1; i < grid.Count; i++) F[i] = F[i - 1] + 0.5 * (p[i] + p[i - 1]) * (grid[i] - grid[i - 1]);
        return F;
    }

    static double[] Uniform(int n) => Enumerable.Repeat(1.0 / n, n).ToArray();

    static double[] Normalised(IReadOnlyList<double> w, int n, string name)
    {
        if (w.Count != n) throw new ArgumentException($"{name}: expected {n} weights (one per point), got {w.Count}", name);
        if (w.Any(v => !(v >= 0) || double.IsInfinity(v))) throw new ArgumentException($"{name}: weights must be finite and non-negative", name);
        double s = w.Sum();
        if (!(s > 0)) throw new ArgumentException($"{name}: weights must have a positive sum", name);
        return w.Select(v => v / s).ToArray();
    }

    static void CheckSamples(IReadOnlyList<double> x, string name)
    {
        if (x.Count == 0) throw new ArgumentException($"{name}: needs at least one sample", name);
        if (x.Any(v => !double.IsFinite(v))) throw new ArgumentException($"{name}: contains NaN or infinity", name);
    }

    static void CheckFinite(double[,] cost)
    {
        foreach (var c in cost)
            if (!double.IsFinite(c)) throw new ArgumentException("the cost matrix contains NaN or infinity");
    }
}
