using static WganCourse.Divergences.SpecialFunctions;

namespace WganCourse.Divergences;

/// <summary>JS, KL, TV and W between P0 and Pθ on the parallel lines (WGAN paper, Example 1).</summary>
public sealed record ParallelLinesDistances(double Theta, double JS, double KL, double TV, double W);

/// <summary>
/// The classical divergences between distributions with densities (on a uniform 1-D grid, by quadrature) or between
/// discrete distributions (probability vectors). Conventions:
/// KL(P‖Q) = ∫ p log(p/q) with 0·log(0/q) = 0 and p·log(p/0) = +∞ (<see cref="double.PositiveInfinity"/>), so disjoint
/// supports give KL = +∞ honestly. JS(P‖Q) = ½KL(P‖M) + ½KL(Q‖M), M = (P+Q)/2 — the convention WITH the ½, so that
/// 0 ≤ JS ≤ log 2, with log 2 exactly for disjoint supports (Goodfellow et al.'s C(G) = −log 4 + 2·JS uses it).
/// TV(P, Q) = sup_A |P(A) − Q(A)| = ½∫|p − q|, in [0, 1]. Natural logarithms throughout (nats).
/// On a grid, a density that underflows to 0 in the far tail of a very distant Gaussian counts as 0: choose the grid
/// so that it covers both masses (e.g. ±10σ) when comparing with closed forms.
/// </summary>
public static partial class Classic
{
    public static readonly double Log2 = Math.Log(2), Log4 = Math.Log(4);

    // ---- densities on a grid ----

    /// <summary>KL(P‖Q) = ∫ p log(p/q) dx by the trapezoidal rule; +∞ when p &gt; 0 somewhere q = 0.</summary>
    public static double KL(UniformGrid grid, IReadOnlyList<double> p, IReadOnlyList<double> q)
    {
        CheckDensities(grid, p, q);
        var f = new double[grid.Count];
        for (int i = 0; i < f.Length; i++)
        {
            f[i] = KlTerm(p[i], q[i]);
            if (double.IsPositiveInfinity(f[i])) return double.PositiveInfinity;
        }
        return grid.Integrate(f);
    }

    /// <summary>JS(P‖Q) = ½KL(P‖M) + ½KL(Q‖M), M = (P+Q)/2, by the trapezoidal rule; always finite, in [0, log 2].</summary>
    public static double JS(UniformGrid grid, IReadOnlyList<double> p, IReadOnlyList<double> q)
    {
        CheckDensities(grid, p, q);
        var f = new double[grid.Count];
        for (int i = 0; i < f.Length; i++) f[i] = JsTerm(p[i], q[i]);
        return grid.Integrate(f);
    }

    /// <summary>TV(P, Q) = ½∫|p − q| dx by the trapezoidal rule.</summary>
    public static double TV(UniformGrid grid, IReadOnlyList<double> p, IReadOnlyList<double> q)
    {
        CheckDensities(grid, p, q);
        return 0.5 * grid.Integrate(p.Zip(q, (a, b) => Math.Abs(a - b)).ToArray());
    }

    // ---- discrete distributions ----

    /// <summary>KL(P‖Q) = Σ p_i log(p_i/q_i) for probability vectors; +∞ when p_i &gt; 0 = q_i.</summary>
    public static double KL(IReadOnlyList<double> p, IReadOnlyList<double> q)
    {
        CheckDiscrete(p, q);
        double s = 0;
        for (int i = 0; i < p.Count; i++)
        {
            var t = KlTerm(p[i], q[i]);
            if (double.IsPositiveInfinity(t)) return double.PositiveInfinity;
            s += t;
        }
        return s;
    }

    /// <summary>JS(P‖Q) = ½KL(P‖M) + ½KL(Q‖M) for probability vectors, in [0, log 2].</summary>
    public static double JS(IReadOnlyList<double> p, IReadOnlyList<double> q)
    {
        CheckDiscrete(p, q);
        double s = 0;
        for (int i = 0; i < p.Count; i++) s += JsTerm(p[i], q[i]);
        return s;
    }

    /// <summary>TV(P, Q) = ½Σ|p_i − q_i| for probability vectors, in [0, 1].</summary>
    public static double TV(IReadOnlyList<double> p, IReadOnlyList<double> q)
    {
        CheckDiscrete(p, q);
        return 0.5 * p.Zip(q, (a, b) => Math.Abs(a - b)).Sum();
    }

    // ---- closed forms ----

    /// <summary>KL(N(μ1, σ1²) ‖ N(μ2, σ2²)) = log(σ2/σ1) + (σ1² + (μ1 − μ2)²)/(2σ2²) − ½.</summary>
    public static double KLNormal(double mu1, double sigma1, double mu2, double sigma2)
    {
        if (!(sigma1 > 0 && sigma2 > 0)) throw new ArgumentOutOfRangeException(nameof(sigma1), $"standard deviations must be > 0, got σ1 = {sigma1}, σ2 = {sigma2}");
        return Math.Log(sigma2 / sigma1) + (sigma1 * sigma1 + (mu1 - mu2) * (mu1 - mu2)) / (2 * sigma2 * sigma2) - 0.5;
    }

    /// <summary>TV(N(μ1, σ²), N(μ2, σ²)) = 2Φ(|μ1 − μ2| / (2σ)) − 1 = erf(|μ1 − μ2| / (2√2 σ)) (equal variances only).</summary>
    public static double TVNormalEqualVariance(double mu1, double mu2, double sigma)
    {
        if (!(sigma > 0)) throw new ArgumentOutOfRangeException(nameof(sigma), sigma, "σ must be > 0");
        return Erf(Math.Abs(mu1 - mu2) / (2 * Math.Sqrt(2) * sigma));
    }

    /// <summary>The density of N(μ, σ²) at x.</summary>
    public static double NormalPdf(double x, double mu, double sigma) =>
        Math.Exp(-0.5 * ((x - mu) / sigma) * ((x - mu) / sigma)) / (sigma * Math.Sqrt(2 * Math.PI));

    /// <summary>
    /// WGAN paper, Example 1: P0 = law of (0, Z), Pθ = law of (θ, Z), Z ~ U[0, 1]. For θ ≠ 0 the supports are disjoint:
    /// JS = log 2 (½ convention), KL = +∞ (both directions), TV = 1; W = |θ|. At θ = 0 all four are 0.
    /// </summary>
    public static ParallelLinesDistances ParallelLines(double theta)
    {
        if (!double.IsFinite(theta)) throw new ArgumentOutOfRangeException(nameof(theta), theta, "θ must be finite");
        return theta == 0
            ? new ParallelLinesDistances(0, 0, 0, 0, 0)
            : new ParallelLinesDistances(theta, Log2, double.PositiveInfinity, 1, Math.Abs(theta));
    }

    /// <summary>
    /// The parallel lines computed rather than quoted: P0 and Pθ discretised as <paramref name="pointsPerLine"/> equally
    /// weighted atoms (0, (i + ½)/m) and (θ, (i + ½)/m), i = 0..m−1. KL(P0‖Pθ), JS and TV come from the discrete formulas
    /// over the union of the atoms (atoms at the same point are merged, which is what happens at θ = 0), and W from an
    /// exact assignment between the two point sets (<see cref="Wasserstein.UniformPoints"/>). For θ ≠ 0 no atom is shared, so
    /// the discrete formulas give exactly the continuous values (JS = log 2, KL = +∞, TV = 1) however small θ is, and
    /// matching equal heights is optimal, so W = |θ|: the discretisation does not change any of the four.
    /// </summary>
    public static ParallelLinesDistances ParallelLinesDiscretized(double theta, int pointsPerLine = 50)
    {
        if (!double.IsFinite(theta)) throw new ArgumentOutOfRangeException(nameof(theta), theta, "θ must be finite");
        if (pointsPerLine < 1) throw new ArgumentOutOfRangeException(nameof(pointsPerLine), pointsPerLine, "need at least one point per line");
        int m = pointsPerLine;
        var heights = Enumerable.Range(0, m).Select(i => (i + 0.5) / m).ToArray();
        // the atoms of both distributions, merged where they coincide
        var atoms = new Dictionary<(double X, double Y), int>();
        int Atom(double x, double y) => atoms.TryGetValue((x, y), out var k) ? k : atoms[(x, y)] = atoms.Count;
        var p0 = heights.Select(y => Atom(0, y)).ToArray();
        var pTheta = heights.Select(y => Atom(theta, y)).ToArray();
        var p = new double[atoms.Count];
        var q = new double[atoms.Count];
        foreach (var k in p0) p[k] += 1.0 / m;
        foreach (var k in pTheta) q[k] += 1.0 / m;
        using var scope = TorchSharp.torch.NewDisposeScope();
        var x0 = TorchSharp.torch.tensor(heights.SelectMany(y => new[] { 0.0, y }).ToArray(), dtype: TorchSharp.torch.float64).reshape(m, 2);
        var xTheta = TorchSharp.torch.tensor(heights.SelectMany(y => new[] { theta, y }).ToArray(), dtype: TorchSharp.torch.float64).reshape(m, 2);
        return new ParallelLinesDistances(theta, JS(p, q), KL(p, q), TV(p, q), Wasserstein.UniformPoints(x0, xTheta));
    }

    /// <summary>
    /// Arjovsky &amp; Bottou 2017, Section 3 (instance noise): JS between the parallel lines after adding ε ~ N(0, σ²I) to
    /// both, i.e. between P0 ⊛ N(0, σ²I) and Pθ ⊛ N(0, σ²I). In both the horizontal coordinate (θ or 0, plus noise) is
    /// independent of the vertical one (Z + noise), and the vertical laws are the same; JS of two products with a common
    /// factor is JS of the other factors, so this is JS(N(0, σ²) ‖ N(θ, σ²)) exactly. With u = θ/σ and x ~ N(0, 1),
    /// log q(x)/p(x) = ux − u²/2, and by symmetry JS = log 2 − E_x[softplus(ux − u²/2)], integrated by the trapezoidal
    /// rule on x ∈ [−12, 12] (error far below 1e-12). Continuous in θ, 0 at θ = 0, → log 2 as |θ|/σ grows, and
    /// JS ≤ θ²/(4σ²) (convexity of KL), so √JS is Lipschitz in θ with constant 1/(2σ): no jump at θ → 0 for any σ &gt; 0.
    /// </summary>
    public static double NoisyParallelLinesJS(double theta, double sigma)
    {
        if (!double.IsFinite(theta)) throw new ArgumentOutOfRangeException(nameof(theta), theta, "θ must be finite");
        if (!(sigma > 0) || double.IsInfinity(sigma))
            throw new ArgumentOutOfRangeException(nameof(sigma), sigma, "the noise σ must be a positive number (σ = 0 is the noise-free ParallelLines)");
        double u = Math.Abs(theta) / sigma;
        if (u == 0) return 0;
        if (u > 80) return Log2; // the Gaussians no longer overlap in double precision
        var grid = StandardNormalGrid.Value;
        var f = grid.Map(x => Math.Exp(-0.5 * x * x) / Math.Sqrt(2 * Math.PI) * Softplus(u * x - 0.5 * u * u));
        return Math.Max(0, Log2 - grid.Integrate(f));
    }

    static readonly Lazy<UniformGrid> StandardNormalGrid = new(() => new UniformGrid(-12, 12, 24_001));

    /// <summary>The largest |v[i+1] − v[i]| of a curve sampled at increasing points: a jump shows as a step of its full size,
    /// a continuous curve gives steps that shrink with the spacing (the instance-noise continuity claim of notebook 02).</summary>
    public static double LargestStep(IReadOnlyList<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count < 2) throw new ArgumentException($"need at least 2 values to compare neighbours, got {values.Count}", nameof(values));
        double best = 0;
        for (int i = 1; i < values.Count; i++)
        {
            double step = Math.Abs(values[i] - values[i - 1]);
            if (double.IsNaN(step)) throw new ArgumentException($"value {i - 1} or {i} is NaN", nameof(values));
            best = Math.Max(best, step);
        }
        return best;
    }

    // ---- helpers ----

    /// <summary>softplus(t) = log(1 + eᵗ), without overflow for large t.</summary>
    public static double Softplus(double t) => SpecialFunctions.Softplus(t);

    static double KlTerm(double p, double q)
    {
        if (p == 0) return 0;
        if (q == 0) return double.PositiveInfinity;
        return p * Math.Log(p / q);
    }

    /// <summary>½p log(2p/(p+q)) + ½q log(2q/(p+q)), with 0·log 0 = 0.</summary>
    static double JsTerm(double p, double q)
    {
        double m = p + q, s = 0;
        if (p > 0) s += 0.5 * p * Math.Log(2 * p / m);
        if (q > 0) s += 0.5 * q * Math.Log(2 * q / m);
        return s;
    }

    /// <summary>KL(P‖Q) = ∫ p (log p − log q) by quadrature from the log-densities (the far tails do not underflow).</summary>
    public static double KLFromLog(UniformGrid grid, Func<double, double> logP, Func<double, double> logQ) =>
        grid.Integrate(grid.Map(x => { double lp = logP(x); return Math.Exp(lp) * (lp - logQ(x)); }));

    /// <summary>JS(P‖Q) (½ convention) by quadrature from the log-densities.</summary>
    // JS = ½∫p log(2p/(p+q)) + ½∫q log(2q/(p+q)), with log(2p/(p+q)) = log 2 − softplus(log q − log p)
    public static double JSFromLog(UniformGrid grid, Func<double, double> logP, Func<double, double> logQ) =>
        grid.Integrate(grid.Map(x =>
        {
            double lp = logP(x), lq = logQ(x);
            return 0.5 * Math.Exp(lp) * (Log2 - Softplus(lq - lp)) + 0.5 * Math.Exp(lq) * (Log2 - Softplus(lp - lq));
        }));

    /// <summary>log of the N(μ, σ²) density at x.</summary>
    public static double LogNormalPdf(double x, double mu, double sigma)
    {
        double u = (x - mu) / sigma;
        return -0.5 * u * u - Math.Log(sigma) - 0.5 * Math.Log(2 * Math.PI);
    }

    static void CheckDensities(UniformGrid grid, IReadOnlyList<double> p, IReadOnlyList<double> q)
    {
        ArgumentNullException.ThrowIfNull(grid);
        grid.Check(p, nameof(p));
        grid.Check(q, nameof(q));
        for (int i = 0; i < p.Count; i++)
            if (!(p[i] >= 0) || !(q[i] >= 0) || double.IsInfinity(p[i]) || double.IsInfinity(q[i]))
                throw new ArgumentException($"densities must be finite and ≥ 0, got p = {p[i]}, q = {q[i]} at x = {grid.X[i]}");
    }

    static void CheckDiscrete(IReadOnlyList<double> p, IReadOnlyList<double> q)
    {
        ArgumentNullException.ThrowIfNull(p);
        ArgumentNullException.ThrowIfNull(q);
        if (p.Count != q.Count) throw new ArgumentException($"p and q must have the same length, got {p.Count} and {q.Count}");
        if (p.Count == 0) throw new ArgumentException("empty distributions");
        foreach (var (v, name) in new[] { (p, "p"), (q, "q") })
        {
            if (v.Any(x => !(x >= 0) || double.IsInfinity(x))) throw new ArgumentException($"{name} has a negative or non-finite entry");
            double s = v.Sum();
            if (Math.Abs(s - 1) > 1e-9) throw new ArgumentException($"{name} must sum to 1, sums to {s:G12}");
        }
    }
}
