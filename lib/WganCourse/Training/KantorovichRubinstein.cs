using TorchSharp;
using WganCourse.Data;
using WganCourse.Divergences;
using WganCourse.Models;
using WganCourse.Objectives;
using static TorchSharp.torch;

namespace WganCourse.Training;

/// <summary>What <see cref="KantorovichRubinstein.Estimate"/> measured.</summary>
/// <param name="Method">The objective whose critic loss was minimised (WGAN, WGAN-GP, WGAN-SN).</param>
/// <param name="Estimate">E_P[f] − E_Q[f] of the trained critic on fresh evaluation samples (no penalty term).</param>
/// <param name="EmpiricalW">Exact W1 between the same evaluation samples (1-D: sorting), the target of the estimate; NaN for d &gt; 1.</param>
/// <param name="LipschitzOnSamples">1-D: max |f(x_(i+1)) − f(x_(i))| / (x_(i+1) − x_(i)) over the sorted pooled evaluation samples, i.e. the
/// critic's Lipschitz constant restricted to those points; NaN for d &gt; 1.</param>
/// <param name="Rescaled">Estimate / LipschitzOnSamples: f/L is 1-Lipschitz on the evaluation points, and on the line it extends to a
/// 1-Lipschitz function on ℝ, so by Kantorovich–Rubinstein this is a certified lower bound on <paramref name="EmpiricalW"/>.
/// This is the justified way to undo the unknown K of a clipped critic.</param>
/// <param name="Steps">Critic steps trained.</param>
/// <param name="Seconds">Wall time of the training (not of the evaluation).</param>
/// <param name="History">(step, estimate on a fixed evaluation batch) every historyEvery steps.</param>
/// <param name="Critic">The trained critic (float32, eval mode), so that a notebook can evaluate it again.</param>
/// <param name="EvalP">The evaluation samples of P the estimate was read on (on the critic's device).</param>
/// <param name="EvalQ">The evaluation samples of Q.</param>
public sealed record KrEstimate(string Method, double Estimate, double EmpiricalW, double LipschitzOnSamples, double Rescaled,
    int Steps, double Seconds, IReadOnlyList<(int Step, double Estimate)> History,
    nn.Module<Tensor, Tensor>? Critic = null, Tensor? EvalP = null, Tensor? EvalQ = null);

/// <summary>The curves of the WGAN paper's Figure 2 on a grid of x (see <see cref="KantorovichRubinstein.Figure2"/>).</summary>
/// <param name="X">Grid points.</param>
/// <param name="D">GAN discriminator D(x) = σ(logit(x)), trained with the minimax loss.</param>
/// <param name="DSlope">|dD/dx|.</param>
/// <param name="Critic">WGAN critic f(x).</param>
/// <param name="CriticSlope">|df/dx|.</param>
/// <param name="RealMean">Mean of the real Gaussian (D → 1 there).</param>
/// <param name="FakeMean">Mean of the fake Gaussian (where the generator's gradient is read).</param>
public sealed record Figure2Curves(double[] X, double[] D, double[] DSlope, double[] Critic, double[] CriticSlope, double RealMean, double FakeMean)
{
    /// <summary>|dD/dx| at the grid point nearest the fake mean, divided by the largest |dD/dx| on the grid: ≈ 0 when D saturates where
    /// the generator needs a gradient.</summary>
    public double DSlopeAtFakeRelative => At(DSlope, FakeMean) / DSlope.Max();

    /// <summary>|df/dx| at the grid point nearest the fake mean, divided by the largest |df/dx| on the grid.</summary>
    public double CriticSlopeAtFakeRelative => At(CriticSlope, FakeMean) / CriticSlope.Max();

    /// <summary>Fraction of grid points where |dD/dx| is below 1 % of its maximum (saturated regions).</summary>
    public double DFlatFraction => DSlope.Count(s => s < 0.01 * DSlope.Max()) / (double)X.Length;

    /// <summary>Fraction of grid points where |df/dx| is below 1 % of its maximum.</summary>
    public double CriticFlatFraction => CriticSlope.Count(s => s < 0.01 * CriticSlope.Max()) / (double)X.Length;

    /// <summary>R² of the least-squares line through f on the grid between the two means (1 = exactly linear there).</summary>
    public double CriticLinearityR2 => LinearityR2(Critic);

    /// <summary>R² of the least-squares line through D on the grid between the two means, for comparison.</summary>
    public double DLinearityR2 => LinearityR2(D);

    double At(double[] values, double x0)
    {
        int best = 0;
        for (int i = 1; i < X.Length; i++) if (Math.Abs(X[i] - x0) < Math.Abs(X[best] - x0)) best = i;
        return values[best];
    }

    double LinearityR2(double[] y)
    {
        double lo = Math.Min(RealMean, FakeMean), hi = Math.Max(RealMean, FakeMean);
        var idx = Enumerable.Range(0, X.Length).Where(i => X[i] >= lo && X[i] <= hi).ToArray();
        if (idx.Length < 3) return double.NaN;
        double mx = idx.Average(i => X[i]), my = idx.Average(i => y[i]), sxy = 0, sxx = 0, syy = 0;
        foreach (var i in idx) { sxy += (X[i] - mx) * (y[i] - my); sxx += (X[i] - mx) * (X[i] - mx); syy += (y[i] - my) * (y[i] - my); }
        return syy == 0 ? 1 : sxy * sxy / (sxx * syy);
    }
}

/// <summary>
/// Kantorovich–Rubinstein duality, W(P, Q) = sup over 1-Lipschitz f of E_P[f] − E_Q[f] (WGAN paper, eq. 2), made
/// numerical: train a critic on samples of P and Q to maximise E_P[f] − E_Q[f] under a Lipschitz constraint, and
/// read the estimate. With weight clipping the critic is K-Lipschitz for an unknown K, so the raw estimate is of K·W;
/// with the gradient penalty (or spectral normalisation) it estimates W itself. Also the WGAN paper's Figure 2.
/// <para>Only the critic is trained here (the distributions are fixed), so the learning rates are larger than the
/// papers' GAN settings: the point is to get near the supremum within a CPU budget. Say so where it is shown.</para>
/// </summary>
public static class KantorovichRubinstein
{
    /// <summary>
    /// A lower bound on the gap E_P[f] − E_Q[f] of the optimal WGAN-GP critic in 1-D: the optimum among LINEAR critics
    /// f(x) = s·x, whose penalised objective is s·W − λ(s − 1)² (for P to the right of Q), maximised at s = 1 + W/(2λ)
    /// with gap W + W²/(2λ). The pointwise optimum is not linear: it has f′ = 1 + (F_Q − F_P)/(2λρ) with ρ the density of
    /// the interpolates, and gap W + (1/2λ)∫(F_Q − F_P)²/ρ ≥ W + W²/(2λ) (Cauchy–Schwarz, since ∫ρ = 1). Either way the
    /// soft penalty lets the critic overshoot W (by at least W/(2λ), 10 % for W = 2, λ = 10); the rescaled estimate removes it.
    /// </summary>
    public static double GradientPenaltyOptimum(double w, double lambda)
    {
        if (!(w >= 0) || !(lambda > 0)) throw new ArgumentOutOfRangeException(nameof(lambda), $"need W ≥ 0 and λ > 0, got {w} and {lambda}");
        return w + w * w / (2 * lambda);
    }

    /// <summary>The default critic for toy data: dim → width → width → 1 with ReLU (the WGAN/WGAN-GP toy critics' shape),
    /// initialised from <paramref name="seed"/> alone (<see cref="WeightInit.TorchDefaultFloat64"/>); with
    /// <paramref name="spectralNorm"/> its layers are wrapped after the weights are drawn.</summary>
    public static MlpCritic ToyCritic(int dim, int width = 64, int seed = Runtime.Seeds.Default, Device? device = null,
        bool spectralNorm = false)
    {
        if (dim < 1 || width < 1) throw new ArgumentOutOfRangeException(nameof(width), $"dim and width must be ≥ 1, got {dim} and {width}");
        var critic = new MlpCritic(dim, width, layers: 2, MlpActivation.ReLU, spectralNorm, init: net => WeightInit.TorchDefaultFloat64(net, seed));
        critic.to(device ?? Runtime.Devices.Current);
        return critic;
    }

    /// <summary>Weight clipping at c with RMSProp at a critic-only learning rate (default 1e-3, see the class remarks).</summary>
    public static WganClip ClippedCriticObjective(double clip = WganClip.PaperClip, double learningRate = 1e-3) => new(clip, learningRate, nCritic: 1);

    /// <summary>Gradient penalty λ with Adam(lr, β = (0.5, 0.9)) at a critic-only learning rate (default 1e-3).</summary>
    public static WganGp PenalisedCriticObjective(double lambda = WganGp.PaperLambda, double learningRate = 1e-3, int seed = Runtime.Seeds.Default) =>
        new(lambda, nCritic: 1, learningRate: learningRate, beta1: 0.5, beta2: 0.9, generator: Runtime.Seeds.Generator(seed + 7));

    /// <summary>
    /// Trains a critic to maximise E_P[f] − E_Q[f] by minimising <paramref name="objective"/>'s critic loss with P as
    /// "real" and Q as "fake" (WganClip, WganGp or WganSn; its <c>AfterCriticStep</c> does the clipping), then returns
    /// the estimate on fresh samples with, in 1-D, the exact empirical W and the certified rescaled lower bound.
    /// </summary>
    /// <param name="p">First distribution (the critic's "real").</param>
    /// <param name="q">Second distribution (the critic's "fake").</param>
    /// <param name="objective">Which Lipschitz constraint: e.g. <see cref="ClippedCriticObjective"/> or <see cref="PenalisedCriticObjective"/>.</param>
    /// <param name="steps">Critic optimizer steps.</param>
    /// <param name="batch">Samples of each distribution per step.</param>
    /// <param name="critic">The critic to train (default <see cref="ToyCritic"/>, spectrally normalised for WganSn).</param>
    /// <param name="evalSamples">Fresh samples of each distribution for the final estimate.</param>
    /// <param name="historyEvery">Record the estimate every this many steps (0: never).</param>
    /// <param name="seed">Seeds the critic's initialisation and all sampling.</param>
    /// <param name="progress">Called with (step, estimate) whenever the history records.</param>
    public static KrEstimate Estimate(IToyDistribution p, IToyDistribution q, Objective objective, int steps, int batch = 256,
        nn.Module<Tensor, Tensor>? critic = null, int evalSamples = 20_000, int historyEvery = 100, int seed = Runtime.Seeds.Default,
        Action<int, double>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(p);
        ArgumentNullException.ThrowIfNull(q);
        ArgumentNullException.ThrowIfNull(objective);
        if (p.Dim != q.Dim) throw new ArgumentException($"P and Q must have the same dimension, got {p.Dim} and {q.Dim}");
        if (steps < 0 || batch < 1 || evalSamples < 2 || historyEvery < 0)
            throw new ArgumentOutOfRangeException(nameof(steps), $"need steps ≥ 0, batch ≥ 1, evalSamples ≥ 2, historyEvery ≥ 0; got {steps}, {batch}, {evalSamples}, {historyEvery}");
        critic ??= ToyCritic(p.Dim, seed: seed, spectralNorm: objective is WganSn);
        var device = critic.parameters().First().device;

        var evalGen = Runtime.Seeds.Generator(seed + 3);
        using var historyP = p.Sample(Math.Min(4096, evalSamples), evalGen).to(device);
        using var historyQ = q.Sample(Math.Min(4096, evalSamples), evalGen).to(device);
        var history = new List<(int, double)>();
        void Record(int step)
        {
            double e = Gap(critic, historyP, historyQ);
            history.Add((step, e));
            progress?.Invoke(step, e);
        }

        var seconds = TrainCritic(critic, p, q, (f, x, y) => objective.CriticLoss((t, _) => f.call(t), x, y, null),
            objective.AfterCriticStep, objective.CriticOptimizer, steps, batch, seed,
            historyEvery > 0 ? (step => { if (step % historyEvery == 0 || step == steps) Record(step); }) : null);

        var evalP = p.Sample(evalSamples, evalGen).to(device);
        var evalQ = q.Sample(evalSamples, evalGen).to(device);
        if (p.Dim != 1)
            return new KrEstimate(objective.Name, Gap(critic, evalP, evalQ), double.NaN, double.NaN, double.NaN, steps, seconds,
                history, critic, evalP, evalQ);
        var (estimate, lipschitz, rescaled) = Rescale(critic, evalP, evalQ);
        return new KrEstimate(objective.Name, estimate, Wasserstein.Samples1D(evalP.cpu(), evalQ.cpu()), lipschitz, rescaled, steps, seconds,
            history, critic, evalP, evalQ);
    }

    /// <summary>
    /// The KR estimate of a 1-D critic f on samples xP of P and xQ of Q ([n, 1], on f's device), and its rescaling:
    /// the gap E_P f − E_Q f, f's Lipschitz constant L restricted to the pooled samples (the largest slope between
    /// neighbouring points, in float64) and gap / L, the gap of f / L, which is 1-Lipschitz on those points (and extends
    /// to a 1-Lipschitz function on ℝ), so by Kantorovich–Rubinstein a lower bound on the samples' W1. Leaves f in
    /// float32 and eval mode (spectral-norm estimates are not advanced). Notebook 06 shows these lines as a cell of
    /// its own; a unit test holds the two copies equal.
    /// </summary>
    // ---- rescaling (notebook 06) ----
    // An L-Lipschitz critic's gap is at most L·W, so gap / L is a lower bound on W. L is read on the
    // samples themselves: in 1-D the largest slope between neighbouring points.
    public static (double Gap, double L, double Rescaled) Rescale(
        torch.nn.Module<torch.Tensor, torch.Tensor> f, torch.Tensor xP, torch.Tensor xQ)
    {
        using var noGrad = torch.no_grad();
        f.eval();                                          // spectral norm: keep its estimate
        double gap = (f.call(xP).mean() - f.call(xQ).mean()).to_type(torch.float64).item<double>();
        f.to(torch.float64);        // neighbours can be 1e-7 apart: float32 differences are noise
        var x = torch.cat(new[] { xP, xQ }).reshape(-1).unique(sorted: true).output  // sorted, distinct
            .to_type(torch.float64);
        var fx = f.call(x.unsqueeze(1)).reshape(-1);
        double L = (fx.diff().abs() / x.diff()).max().item<double>();   // largest neighbour slope
        f.to(torch.float32);
        return (gap, L, gap / L);
    }
    // ---- end of rescaling ----

    /// <summary>
    /// The WGAN paper's Figure 2: on two separated 1-D Gaussians (real N(<paramref name="realMean"/>, σ²), fake
    /// N(<paramref name="fakeMean"/>, σ²)) trains a GAN discriminator with the minimax loss
    /// E_real[softplus(−s)] + E_fake[softplus(s)] (= −E log D(x) − E log(1 − D(G(z))) with D = σ(s)) and a WGAN critic
    /// with <paramref name="criticObjective"/> (default: clipping, <see cref="ClippedCriticObjective"/>), each to
    /// (near) optimality, and returns D, |dD/dx|, f, |df/dx| on a grid.
    /// </summary>
    public static Figure2Curves Figure2(int steps, double realMean = 2, double fakeMean = -2, double std = 0.5, Objective? criticObjective = null,
        double gridMin = -6, double gridMax = 6, int gridPoints = 241, int batch = 256, double discriminatorLearningRate = 1e-3,
        int seed = Runtime.Seeds.Default)
    {
        if (!(std > 0)) throw new ArgumentOutOfRangeException(nameof(std), std, "std must be positive");
        if (!(gridMax > gridMin) || gridPoints < 3) throw new ArgumentException($"need gridMin < gridMax and ≥ 3 grid points, got [{gridMin}, {gridMax}] with {gridPoints}");
        if (steps < 0) throw new ArgumentOutOfRangeException(nameof(steps), steps, "steps must be ≥ 0");
        var real = GaussianMixture.OneD("real", (1, realMean, std));
        var fake = GaussianMixture.OneD("fake", (1, fakeMean, std));

        var discriminator = ToyCritic(1, seed: seed);
        TrainCritic(discriminator, real, fake,
            (d, x, y) => nn.functional.softplus(-d.call(x)).mean() + nn.functional.softplus(d.call(y)).mean(),
            _ => { }, OptimizerSpec.Adam(discriminatorLearningRate, 0.5, 0.999), steps, batch, seed, null);

        criticObjective ??= ClippedCriticObjective();
        var critic = ToyCritic(1, seed: seed + 1, spectralNorm: criticObjective is WganSn);
        TrainCritic(critic, real, fake, (f, x, y) => criticObjective.CriticLoss((t, _) => f.call(t), x, y, null),
            criticObjective.AfterCriticStep, criticObjective.CriticOptimizer, steps, batch, seed + 1, null);

        var grid = Enumerable.Range(0, gridPoints).Select(i => gridMin + (gridMax - gridMin) * i / (gridPoints - 1)).ToArray();
        var (d, dSlope) = OnGrid(x => nn.functional.sigmoid(discriminator.call(x)), grid, discriminator);
        var (f, fSlope) = OnGrid(x => critic.call(x), grid, critic);
        return new Figure2Curves(grid, d, dSlope, f, fSlope, realMean, fakeMean);
    }

    /// <summary>
    /// Trains only a critic between two fixed distributions, minimising <paramref name="objective"/>'s critic loss with
    /// P as "real" and Q as "fake" with the objective's critic optimizer and <c>AfterCriticStep</c> (clipping).
    /// Returns the training wall time in seconds. Used for the KR estimate, Figure 2 and the clipping probes.
    /// </summary>
    public static double TrainCritic(nn.Module<Tensor, Tensor> critic, IToyDistribution p, IToyDistribution q, Objective objective,
        int steps, int batch = 256, int seed = Runtime.Seeds.Default, Action<int>? onStep = null)
    {
        ArgumentNullException.ThrowIfNull(critic);
        ArgumentNullException.ThrowIfNull(objective);
        if (p.Dim != q.Dim) throw new ArgumentException($"P and Q must have the same dimension, got {p.Dim} and {q.Dim}");
        if (steps < 0 || batch < 1) throw new ArgumentOutOfRangeException(nameof(steps), $"need steps ≥ 0 and batch ≥ 1, got {steps} and {batch}");
        return TrainCritic(critic, p, q, (f, x, y) => objective.CriticLoss((t, _) => f.call(t), x, y, null), objective.AfterCriticStep,
            objective.CriticOptimizer, steps, batch, seed, onStep);
    }

    /// <summary>
    /// Minimises <paramref name="loss"/>(critic, batch of P, batch of Q) for <paramref name="steps"/> steps, calling
    /// <paramref name="afterStep"/> after each optimizer step; returns the wall time in seconds.
    /// </summary>
    internal static double TrainCritic(nn.Module<Tensor, Tensor> critic, IToyDistribution p, IToyDistribution q,
        Func<nn.Module<Tensor, Tensor>, Tensor, Tensor, Tensor> loss, Action<nn.Module> afterStep, OptimizerSpec optimizerSpec,
        int steps, int batch, int seed, Action<int>? onStep)
    {
        var device = critic.parameters().First().device;
        var gen = Runtime.Seeds.Generator(seed + 1);
        using var optimizer = optimizerSpec.Create(critic.parameters());
        critic.train();
        onStep?.Invoke(0);
        return CriticLoop.Run(optimizer, steps,
            () =>
            {
                var x = p.Sample(batch, gen).to(device);
                var y = q.Sample(batch, gen).to(device);
                return loss(critic, x, y);
            },
            () => afterStep(critic),
            i => Runtime.Stop.ThrowIfRequested("Critic training", i, steps), // the critic stays at step i
            onStep: onStep);
    }

    /// <summary>E_x[f] − E_y[f] without gradients, in eval mode (spectral-norm estimates are not advanced).</summary>
    static double Gap(nn.Module<Tensor, Tensor> critic, Tensor x, Tensor y)
    {
        var wasTraining = critic.training;
        critic.eval();
        try
        {
            using var _ = no_grad();
            using var scope = NewDisposeScope();
            return (critic.call(x).mean() - critic.call(y).mean()).to_type(float64).item<double>();
        }
        finally { if (wasTraining) critic.train(); }
    }

    static (double[] Values, double[] Slopes) OnGrid(Func<Tensor, Tensor> f, double[] grid, nn.Module critic)
    {
        var device = critic.parameters().First().device;
        var wasTraining = critic.training;
        critic.eval();
        try
        {
            using var scope = NewDisposeScope();
            using var enable = enable_grad();
            var x = tensor(grid.Select(v => (float)v).ToArray(), device: device).reshape(-1, 1).requires_grad_(true);
            var y = f(x);
            var slope = autograd.grad(new[] { y.sum() }, new[] { x })[0];
            return (y.detach().reshape(-1).to_type(float64).cpu().data<double>().ToArray(),
                    slope.abs().reshape(-1).to_type(float64).cpu().data<double>().ToArray());
        }
        finally { if (wasTraining) critic.train(); }
    }
}
