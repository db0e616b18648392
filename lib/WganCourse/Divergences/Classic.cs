namespace WganCourse.Divergences;

/// <summary>A uniform 1-D grid x_i = Min + i·Dx, i = 0..Count−1, for quadrature of densities.</summary>
public sealed class UniformGrid
{
    public double Min { get; }
    public double Max { get; }
    public int Count { get; }
    public double Dx { get; }
    public double[] X { get; }

    public UniformGrid(double min, double max, int count)
    {
        if (!(double.IsFinite(min) && double.IsFinite(max) && max > min))
            throw new ArgumentException($"expected finite min < max, got [{min}, {max}]");
        if (count < 3) throw new ArgumentOutOfRangeException(nameof(count), count, "a grid needs at least 3 points");
        (Min, Max, Count, Dx) = (min, max, count, (max - min) / (count - 1));
        X = Enumerable.Range(0, count).Select(i => min + i * Dx).ToArray();
    }

    /// <summary>f evaluated at every grid point.</summary>
    public double[] Map(Func<double, double> f) => X.Select(f).ToArray();

    /// <summary>∫ f dx by the trapezoidal rule (error O(Dx²) for smooth f; exact enough when the integrand is negligible at both ends).</summary>
    public double Integrate(IReadOnlyList<double> f)
    {
        Check(f, nameof(f));
        double s = 0.5 * (f[0] + f[Count - 1]);
        for (int i = 1; i < Count - 1; i++) s += f[i];
        return s * Dx;
    }

    internal void Check(IReadOnlyList<double> f, string name)
    {
        if (f is null) throw new ArgumentNullException(name);
        if (f.Count != Count) throw new ArgumentException($"{name}: expected {Count} values (one per grid point), got {f.Count}", name);
    }
}

/// <summary>JS, KL, TV and W between P0 and Pθ on the parallel lines (WGAN paper, Example 1).</summary>
public sealed record ParallelLinesDistances(double Theta, double JS, double KL, double TV, double W);

/// <summary>The two sides of the Theorem 2.5 check (Arjovsky &amp; Bottou 2017) for Pr = N(0, 1), Pgθ = N(θ, σ²), at θ0.</summary>
/// <param name="Theta0">The generator's mean θ0 at which D* is computed and frozen.</param>
/// <param name="Sigma">The generator's standard deviation σ.</param>
/// <param name="KL">KL(Pgθ0‖Pr) by quadrature.</param>
/// <param name="JS">JS(Pgθ0‖Pr) by quadrature (½ convention).</param>
/// <param name="GradMinusLogDStar">d/dθ E_z[−log D*(G_θ(z))] at θ0, with D* = pr/(pr + pgθ0) frozen (G_θ(z) = θ + σz).</param>
/// <param name="GradKlMinus2Js">d/dθ [KL(Pgθ‖Pr) − 2·JS(Pgθ‖Pr)] at θ0 (nothing frozen).</param>
/// <param name="ExpectedMinusLogDStar">E_Pgθ0[−log D*] by quadrature.</param>
/// <param name="IdentityRightSide">KL(Pg‖Pr) − 2·JS(Pr‖Pg) + log 4 + E_Pr[log D*] at θ0, which equals the previous value.</param>
public sealed record Theorem25Check(double Theta0, double Sigma, double GradMinusLogDStar, double GradKlMinus2Js,
                                    double ExpectedMinusLogDStar, double IdentityRightSide, double KL, double JS);

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
public static class Classic
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

    // ---- the optimal discriminator ----

    /// <summary>D*(x) = pr(x) / (pr(x) + pg(x)) pointwise (Goodfellow et al., Proposition 1). Where both densities are 0,
    /// D* is not determined by the objective; we return ½ there (any value is optimal).</summary>
    public static double[] OptimalDiscriminator(IReadOnlyList<double> pr, IReadOnlyList<double> pg)
    {
        if (pr is null || pg is null) throw new ArgumentNullException(pr is null ? nameof(pr) : nameof(pg));
        if (pr.Count != pg.Count) throw new ArgumentException($"pr and pg must have the same length, got {pr.Count} and {pg.Count}");
        var d = new double[pr.Count];
        for (int i = 0; i < d.Length; i++)
        {
            if (pr[i] < 0 || pg[i] < 0) throw new ArgumentException($"densities must be ≥ 0, got pr = {pr[i]}, pg = {pg[i]} at index {i}");
            d[i] = pr[i] + pg[i] == 0 ? 0.5 : pr[i] / (pr[i] + pg[i]);
        }
        return d;
    }

    /// <summary>max |D(x) − D*(x)| over the grid points where max(pr, pg) ≥ <paramref name="minDensity"/> (notebook 01's
    /// D* claim): the tails where neither distribution has mass are left out, since the objective says nothing there.</summary>
    public static double MaxErrorOnSupport(IReadOnlyList<double> learned, IReadOnlyList<double> dStar, IReadOnlyList<double> pr,
                                           IReadOnlyList<double> pg, double minDensity = 0.05)
    {
        ArgumentNullException.ThrowIfNull(learned);
        ArgumentNullException.ThrowIfNull(dStar);
        ArgumentNullException.ThrowIfNull(pr);
        ArgumentNullException.ThrowIfNull(pg);
        if (learned.Count != dStar.Count || pr.Count != dStar.Count || pg.Count != dStar.Count)
            throw new ArgumentException($"learned D, D*, pr and pg must have one value per grid point, got {learned.Count}, {dStar.Count}, {pr.Count}, {pg.Count}");
        double worst = double.NaN;
        for (int i = 0; i < dStar.Count; i++)
            if (Math.Max(pr[i], pg[i]) >= minDensity)
                worst = double.IsNaN(worst) ? Math.Abs(learned[i] - dStar[i]) : Math.Max(worst, Math.Abs(learned[i] - dStar[i]));
        if (double.IsNaN(worst)) throw new ArgumentException($"no grid point has max(pr, pg) ≥ {minDensity}: lower minDensity or widen the grid");
        return worst;
    }

    /// <summary>C(G) = V(D*, G) = ∫ pr log D* + pg log(1 − D*) dx, by quadrature, directly from the definition
    /// (not through JS), so that it can be compared with <see cref="CFromJs"/>.</summary>
    public static double VirtualTrainingCriterion(UniformGrid grid, IReadOnlyList<double> pr, IReadOnlyList<double> pg)
    {
        CheckDensities(grid, pr, pg);
        var f = new double[grid.Count];
        // log D* = log pr − log(pr + pg) and log(1 − D*) = log pg − log(pr + pg): written with logs of the densities so
        // that neither a tiny ratio (underflow of D*) nor 1 − D* (cancellation) loses the value; 0·log 0 = 0.
        for (int i = 0; i < f.Length; i++)
        {
            double logSum = Math.Log(pr[i] + pg[i]);
            f[i] = (pr[i] > 0 ? pr[i] * (Math.Log(pr[i]) - logSum) : 0) + (pg[i] > 0 ? pg[i] * (Math.Log(pg[i]) - logSum) : 0);
        }
        return grid.Integrate(f);
    }

    /// <summary>
    /// Monte-Carlo estimate of V(D*, G) = E_Pr[log D*(x)] + E_Pg[log(1 − D*(x))] with the analytic D* = pr/(pr + pg) of two
    /// mixtures: n samples from each, seeded. Returns the estimate and its standard error (the two sample means are
    /// independent, so SE² = Var_Pr[log D*]/n + Var_Pg[log(1 − D*)]/n), for comparison with −log 4 + 2·JS by quadrature.
    /// </summary>
    public static (double Estimate, double StandardError) OptimalValueMonteCarlo(WganCourse.Data.GaussianMixture pr, WganCourse.Data.GaussianMixture pg,
                                                                               int n = 100_000, int seed = WganCourse.Runtime.Seeds.Default)
    {
        ArgumentNullException.ThrowIfNull(pr);
        ArgumentNullException.ThrowIfNull(pg);
        if (pr.Dim != pg.Dim) throw new ArgumentException($"pr is {pr.Dim}-D and pg is {pg.Dim}-D");
        if (n < 2) throw new ArgumentOutOfRangeException(nameof(n), n, "need at least 2 samples");
        using var generator = WganCourse.Runtime.Seeds.Generator(seed);
        double[] LogTerms(WganCourse.Data.GaussianMixture from, bool real)
        {
            using var x = from.Sample(n, generator);
            var v = x.to_type(TorchSharp.torch.float64).data<double>().ToArray();
            var terms = new double[n];
            for (int i = 0; i < n; i++)
            {
                var point = v.AsSpan(i * from.Dim, from.Dim).ToArray();
                double a = pr.Density(point), b = pg.Density(point);
                // log D* = log pr − log(pr + pg), log(1 − D*) = log pg − log(pr + pg)
                terms[i] = Math.Log(real ? a : b) - Math.Log(a + b);
            }
            return terms;
        }
        var r = LogTerms(pr, real: true);
        var f = LogTerms(pg, real: false);
        static (double Mean, double Var) Moments(double[] t)
        {
            double m = t.Average();
            return (m, t.Sum(v => (v - m) * (v - m)) / (t.Length - 1));
        }
        var (mr, vr) = Moments(r);
        var (mf, vf) = Moments(f);
        return (mr + mf, Math.Sqrt(vr / n + vf / n));
    }

    /// <summary>Goodfellow et al., Theorem 1: C(G) = −log 4 + 2·JS(Pr‖Pg) (JS with the ½).</summary>
    public static double CFromJs(double js) => -Log4 + 2 * js;

    // ---- Arjovsky & Bottou 2017, Theorem 2.5 ----

    /// <summary>
    /// Numerical check of Theorem 2.5 for Pr = N(0, 1) and Pgθ = N(θ, σ²), G_θ(z) = θ + σz:
    /// the gradient in θ of E_z[−log D*(G_θ(z))] with D* frozen at θ0 versus the gradient of KL(Pgθ‖Pr) − 2·JS(Pgθ‖Pr).
    /// Both sides by trapezoidal quadrature on [−L, L] (L covers ±12 standard deviations of both) and central finite
    /// differences with step h. −log D* = softplus(log pg0 − log pr) is evaluated from log-densities, so the far tails do
    /// not underflow. Also returns the value identity E_Pg[−log D*] = KL(Pg‖Pr) − 2·JS + log 4 + E_Pr[log D*].
    /// </summary>
    public static Theorem25Check Theorem25(double theta0, double sigma = 1.0, int gridPoints = 40001, double h = 1e-4)
    {
        if (!double.IsFinite(theta0)) throw new ArgumentOutOfRangeException(nameof(theta0), theta0, "θ0 must be finite");
        if (!(sigma > 0)) throw new ArgumentOutOfRangeException(nameof(sigma), sigma, "σ must be > 0");
        if (!(h > 0)) throw new ArgumentOutOfRangeException(nameof(h), h, "h must be > 0");
        double span = Math.Max(12, Math.Abs(theta0) + 12 * sigma) + 2 * h;
        var grid = new UniformGrid(-span, span, gridPoints);
        double LogPr(double x) => LogNormalPdf(x, 0, 1);
        double LogPg(double x, double th) => LogNormalPdf(x, th, sigma);

        // −log D*(x) with D* frozen at θ0: −log(pr/(pr + pg0)) = log(1 + pg0/pr) = softplus(log pg0 − log pr)
        double MinusLogDStar(double x) => Softplus(LogPg(x, theta0) - LogPr(x));
        double Lhs(double th) => grid.Integrate(grid.Map(x => Math.Exp(LogPg(x, th)) * MinusLogDStar(x)));
        double Rhs(double th) => KLFromLog(grid, x => LogPg(x, th), LogPr) - 2 * JSFromLog(grid, x => LogPg(x, th), LogPr);

        double gradLhs = (Lhs(theta0 + h) - Lhs(theta0 - h)) / (2 * h);
        double gradRhs = (Rhs(theta0 + h) - Rhs(theta0 - h)) / (2 * h);
        double kl = KLFromLog(grid, x => LogPg(x, theta0), LogPr), js = JSFromLog(grid, x => LogPg(x, theta0), LogPr);
        // E_Pr[log D*] = −E_Pr[softplus(log pg0 − log pr)]
        double ePrLogD = -grid.Integrate(grid.Map(x => Math.Exp(LogPr(x)) * MinusLogDStar(x)));
        return new Theorem25Check(theta0, sigma, gradLhs, gradRhs, Lhs(theta0), kl - 2 * js + Log4 + ePrLogD, kl, js);
    }

    // ---- helpers ----

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

    static double KLFromLog(UniformGrid grid, Func<double, double> logP, Func<double, double> logQ) =>
        grid.Integrate(grid.Map(x => { double lp = logP(x); return Math.Exp(lp) * (lp - logQ(x)); }));

    // JS = ½∫p log(2p/(p+q)) + ½∫q log(2q/(p+q)), with log(2p/(p+q)) = log 2 − softplus(log q − log p)
    static double JSFromLog(UniformGrid grid, Func<double, double> logP, Func<double, double> logQ) =>
        grid.Integrate(grid.Map(x =>
        {
            double lp = logP(x), lq = logQ(x);
            return 0.5 * Math.Exp(lp) * (Log2 - Softplus(lq - lp)) + 0.5 * Math.Exp(lq) * (Log2 - Softplus(lp - lq));
        }));

    internal static double Softplus(double t) => t > 0 ? t + Math.Log(1 + Math.Exp(-t)) : Math.Log(1 + Math.Exp(t));

    static double LogNormalPdf(double x, double mu, double sigma)
    {
        double u = (x - mu) / sigma;
        return -0.5 * u * u - Math.Log(sigma) - 0.5 * Math.Log(2 * Math.PI);
    }

    /// <summary>erf: Maclaurin series for |x| &lt; 2, erfc by its continued fraction beyond (≈1e-14 absolute).</summary>
    internal static double Erf(double x)
    {
        if (x < 0) return -Erf(-x);
        if (x < 2)
        {
            // Maclaurin series: erf x = 2/√π Σ (−1)^n x^(2n+1) / (n! (2n+1))
            double sum = 0, term = x;
            for (int n = 0; n < 200; n++)
            {
                double add = term / (2 * n + 1);
                sum += add;
                if (Math.Abs(add) < 1e-17 * Math.Abs(sum)) break;
                term *= -x * x / (n + 1);
            }
            return 2 / Math.Sqrt(Math.PI) * sum;
        }
        // erfc x = exp(−x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))) (Lentz), for x ≥ 2
        double f = x, c = x, dd = 0, tiny = 1e-300;
        for (int k = 1; k < 300; k++)
        {
            double a = k / 2.0;
            dd = x + a * dd; if (Math.Abs(dd) < tiny) dd = tiny; dd = 1 / dd;
            c = x + a / c; if (Math.Abs(c) < tiny) c = tiny;
            double delta = c * dd;
            f *= delta;
            if (Math.Abs(delta - 1) < 1e-16) break;
        }
        return 1 - Math.Exp(-x * x) / (Math.Sqrt(Math.PI) * f);
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
