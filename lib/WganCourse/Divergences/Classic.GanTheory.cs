using static WganCourse.Divergences.SpecialFunctions;

namespace WganCourse.Divergences;

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

/// <summary>GAN theory on densities: the optimal discriminator and the value it gives (Goodfellow et al. 2014), and
/// the Theorem 2.5 check of Arjovsky &amp; Bottou 2017. The divergences themselves are in Classic.cs.</summary>
public static partial class Classic
{
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
        var (gradLhs, gradRhs) = Theorem25Sides(theta0, sigma, gridPoints, h);
        double span = Math.Max(12, Math.Abs(theta0) + 12 * sigma) + 2 * h;
        var grid = new UniformGrid(-span, span, gridPoints);
        double LogPr(double x) => LogNormalPdf(x, 0, 1);
        double LogPg0(double x) => LogNormalPdf(x, theta0, sigma);
        double MinusLogDStar(double x) => Softplus(LogPg0(x) - LogPr(x));
        double kl = KLFromLog(grid, LogPg0, LogPr), js = JSFromLog(grid, LogPg0, LogPr);
        double ePgMinusLogD = grid.Integrate(grid.Map(x => Math.Exp(LogPg0(x)) * MinusLogDStar(x)));
        // E_Pr[log D*] = −E_Pr[softplus(log pg0 − log pr)]
        double ePrLogD = -grid.Integrate(grid.Map(x => Math.Exp(LogPr(x)) * MinusLogDStar(x)));
        return new Theorem25Check(theta0, sigma, gradLhs, gradRhs, ePgMinusLogD, kl - 2 * js + Log4 + ePrLogD, kl, js);
    }

    /// <summary>
    /// The two sides of Theorem 2.5 for Pr = N(0, 1), Pgθ = N(θ, σ²), G_θ(z) = θ + σz at θ0: d/dθ E_z[−log D*(G_θ(z))]
    /// with D* frozen at θ0 (Left) and d/dθ [KL(Pgθ‖Pr) − 2·JS(Pgθ‖Pr)] (Right), by trapezoidal quadrature on
    /// [−L, L] (±12 standard deviations of both) and central differences with step h. Notebook 03 shows these lines
    /// as a cell of its own; a unit test holds the two copies equal. No argument checks: see <see cref="Theorem25"/>.
    /// </summary>
    // ---- Theorem 2.5 (notebook 03) ----
    // Both sides for P_r = N(0, 1) and P_gθ = N(θ, σ²), g_θ(z) = θ + σz: quadrature on a grid, then
    // central differences in θ. Log-densities, so that the far tails do not underflow.
    public static (double Left, double Right) Theorem25Sides(double theta0, double sigma,
        int gridPoints = 40001, double h = 1e-4)
    {
        double span = Math.Max(12, Math.Abs(theta0) + 12 * sigma) + 2 * h;   // ±12 std of both
        var grid = new UniformGrid(-span, span, gridPoints);
        double LogPr(double x) => Classic.LogNormalPdf(x, 0, 1);
        double LogPg(double x, double th) => Classic.LogNormalPdf(x, th, sigma);
        // −log D*(x) with D* = p_r / (p_r + p_gθ₀) computed at θ₀ and frozen: log(1 + p_gθ₀ / p_r)
        double MinusLogDStar(double x) => Classic.Softplus(LogPg(x, theta0) - LogPr(x));
        // left: E_z[−log D*(g_θ(z))] = ∫ p_gθ(x) · (−log D*(x)) dx
        double Left(double th) =>
            grid.Integrate(grid.Map(x => Math.Exp(LogPg(x, th)) * MinusLogDStar(x)));
        // right: KL(P_gθ‖P_r) − 2·JS(P_gθ‖P_r), nothing frozen
        double Right(double th) => Classic.KLFromLog(grid, x => LogPg(x, th), LogPr)
                                   - 2 * Classic.JSFromLog(grid, x => LogPg(x, th), LogPr);
        double Derivative(Func<double, double> f) => (f(theta0 + h) - f(theta0 - h)) / (2 * h);
        return (Derivative(Left), Derivative(Right));
    }
    // ---- end of Theorem 2.5 ----
}
