using TorchSharp;
using WganCourse.Data;
using WganCourse.Objectives;
using static TorchSharp.torch;

namespace WganCourse.Training;

/// <summary>What <see cref="WganTheorems.ParallelLines"/> measured at one θ.</summary>
/// <param name="Theta">θ of the moving line P_θ = law of (θ, Z), Z ~ U[0, 1].</param>
/// <param name="Estimate">E_P0[f] − E_Pθ[f] of the trained critic on fresh samples: the KR estimate of W(P0, Pθ).</param>
/// <param name="Gradient">−E_z[∇θ f(g_θ(z))] at this θ (autograd through g_θ(z) = (θ, z)): Theorem 3's gradient of W.</param>
/// <param name="ExactW">W(P0, Pθ) = |θ|.</param>
/// <param name="ExactSlope">dW/dθ = sign θ.</param>
public sealed record LinesPoint(double Theta, double Estimate, double Gradient, double ExactW, double ExactSlope);

/// <summary>
/// The WGAN paper's Theorems 1–3 made numerical on its Example 1 (the parallel lines P0 = law of (0, Z), Pθ = law of
/// (θ, Z), Z ~ U[0, 1], generator g_θ(z) = (θ, z)). Theorem 1: W(P0, Pθ) = |θ| is continuous in θ (and differentiable
/// almost everywhere) because g_θ is; JS, KL and TV jump at θ = 0 (Theorem 2: W is the weakest of the four, so the
/// sequence θ_t → 0 converges in W only). Theorem 3: for an optimal critic f of the Kantorovich–Rubinstein dual,
/// ∇θ W(P0, Pθ) = −E_z[∇θ f(g_θ(z))], so the generator's WGAN gradient is the gradient of W itself: here d|θ|/dθ = sign θ.
/// The critic is the toy critic of notebook 06 (2 → 64 → 64 → 1) trained with the gradient penalty (near 1-Lipschitz;
/// its penalised optimum has slope 1 + |θ|/(2λ) between the lines, 1.05 at |θ| = 1 with λ = 10).
/// </summary>
public static class WganTheorems
{
    /// <summary>The two numbers notebook 07's theorem claims judge: the largest relative error of the estimate against
    /// |θ| (Theorem 1: continuity, including near θ = 0) and the largest |gradient − sign θ| (Theorem 3).</summary>
    public static (double EstimateRelativeError, double GradientError) WorstErrors(IEnumerable<LinesPoint> points)
    {
        var list = points.ToList();
        if (list.Count == 0 || list.Any(p => p.Theta == 0))
            throw new ArgumentException("need at least one θ, none of them 0 (W = 0 has no relative error and |θ| no derivative there)");
        return (list.Max(p => Math.Abs(p.Estimate - p.ExactW) / p.ExactW), list.Max(p => Math.Abs(p.Gradient - p.ExactSlope)));
    }

    /// <summary>g_θ(z) = (θ, z) for z of shape [n, 1] and θ of shape [1, 1] (θ may require a gradient).</summary>
    public static Tensor LinesGenerator(Tensor theta, Tensor z) => cat(new[] { theta.expand(z.shape[0], 1), z }, 1);

    /// <summary>
    /// Trains a critic between P0 (real) and Pθ (fake) for <paramref name="steps"/> critic steps (0: leave it as it is),
    /// then measures the estimate and Theorem 3's gradient on <paramref name="evalSamples"/> fresh samples.
    /// </summary>
    /// <param name="theta">Where to measure.</param>
    /// <param name="steps">Critic steps (gradient penalty, Adam 1e-3 as in notebook 06).</param>
    /// <param name="seed">Seeds the critic's initialisation and all sampling.</param>
    /// <param name="generator">The map (θ, z) → sample whose gradient is read; default <see cref="LinesGenerator"/>.
    /// A test passes a broken one.</param>
    /// <param name="critic">The critic (default: a fresh toy critic); a test passes an untrained one with steps 0.</param>
    /// <param name="evalSamples">Fresh samples for the estimate and the gradient.</param>
    public static LinesPoint ParallelLines(double theta, int steps, int seed = Runtime.Seeds.Default,
        Func<Tensor, Tensor, Tensor>? generator = null, nn.Module<Tensor, Tensor>? critic = null, int evalSamples = 4096)
    {
        if (steps < 0) throw new ArgumentOutOfRangeException(nameof(steps), steps, "critic steps must be ≥ 0");
        if (evalSamples < 2) throw new ArgumentOutOfRangeException(nameof(evalSamples), evalSamples, "need at least 2 evaluation samples");
        generator ??= LinesGenerator;
        critic ??= KantorovichRubinstein.ToyCritic(2, seed: seed);
        var (estimate, gradient) = TrainAndRead(critic, Toy.ParallelLines(0), Toy.ParallelLines(theta), steps, seed,
            gen => rand(new long[] { evalSamples, 1 }, generator: gen), generator, theta, evalSamples);
        return new LinesPoint(theta, estimate, gradient, Math.Abs(theta), Math.Sign(theta));
    }

    /// <summary>√(π/2) = E‖Z‖ for Z ~ N(0, I₂) (the Rayleigh mean): W₁(N(0, I₂), N(0, θ²I₂)) = |θ − 1|·√(π/2).</summary>
    public static readonly double RayleighMean = Math.Sqrt(Math.PI / 2);

    /// <summary>g_θ(z) = θ · z for z of shape [n, 2] and θ of shape [1, 1]: P_θ = N(0, θ²I₂).</summary>
    public static Tensor ScaleGenerator(Tensor theta, Tensor z) => theta * z;

    /// <summary>
    /// Theorem 3 where the slope is not fixed by the critic's Lipschitz bound: data P_r = N(0, I₂), generator
    /// g_θ(z) = θ·z with z ~ N(0, I₂), so P_θ = N(0, θ²I₂) and W₁(P_r, P_θ) = |θ − 1|·√(π/2) (radial transport).
    /// The theorem's gradient −E_z[∇θ f(g_θ(z))] must equal dW/dθ = sign(θ − 1)·√(π/2) ≈ ±1.25. On the parallel
    /// lines the same read-out is ±1 for any 1-Lipschitz critic with the right sign (g moves along one direction
    /// only), so only the sign was tested there; here the magnitude needs f to be the radial potential ±‖x‖.
    /// </summary>
    public static LinesPoint ScaleFamily(double theta, int steps, int seed = Runtime.Seeds.Default,
        Func<Tensor, Tensor, Tensor>? generator = null, nn.Module<Tensor, Tensor>? critic = null,
        int evalSamples = 16384)
    {
        if (!(theta > 0)) throw new ArgumentOutOfRangeException(nameof(theta), theta, "a scale θ must be > 0");
        if (steps < 0) throw new ArgumentOutOfRangeException(nameof(steps), steps, "critic steps must be ≥ 0");
        generator ??= ScaleGenerator;
        critic ??= KantorovichRubinstein.ToyCritic(2, seed: seed);
        var (estimate, gradient) = TrainAndRead(critic, Gaussian2D("N(0, I)", 1), Gaussian2D("N(0, θ²I)", theta),
            steps, seed, gen => randn(new long[] { evalSamples, 2 }, generator: gen), generator, theta, evalSamples);
        return new LinesPoint(theta, estimate, gradient,
                              Math.Abs(theta - 1) * RayleighMean, Math.Sign(theta - 1) * RayleighMean);
    }

    /// <summary>Trains <paramref name="critic"/> between <paramref name="real"/> and <paramref name="fake"/> (gradient
    /// penalty; 0 steps: as it is), then reads on fresh samples its estimate E_real f − E_fake f and Theorem 3's
    /// gradient −E_z[∇θ f(g_θ(z))].</summary>
    static (double Estimate, double Gradient) TrainAndRead(nn.Module<Tensor, Tensor> critic, IToyDistribution real,
        IToyDistribution fake, int steps, int seed, Func<Generator, Tensor> drawZ, Func<Tensor, Tensor, Tensor> generator,
        double theta, int evalSamples)
    {
        if (steps > 0)
            KantorovichRubinstein.TrainCritic(critic, real, fake,
                KantorovichRubinstein.PenalisedCriticObjective(seed: seed), steps, seed: seed);
        var device = critic.parameters().Select(p => p.device).FirstOrDefault() ?? Runtime.Devices.Current;
        using var scope = NewDisposeScope();
        using var gen = Runtime.Seeds.Generator(seed + 5);
        var x = real.Sample(evalSamples, gen).to(device);
        var z = drawZ(gen).to(device);
        var th = full(1, 1, theta, device: device).requires_grad_(true);
        using var enable = enable_grad();
        var fakeScore = critic.call(generator(th, z)).mean();
        var estimate = critic.call(x).mean() - fakeScore;
        // Theorem 3: ∇θ W = −E_z[∇θ f(g_θ(z))], the gradient of the estimate with respect to θ
        var gradient = autograd.grad(new[] { -fakeScore }, new[] { th })[0];
        return (estimate.item<float>(), gradient.item<float>());
    }

    static GaussianMixture Gaussian2D(string name, double std) =>
        new(name, new[] { new[] { 0.0, 0.0 } }, new[] { std });
}
