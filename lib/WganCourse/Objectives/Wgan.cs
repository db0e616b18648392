using TorchSharp;
using WganCourse.Models;
using static TorchSharp.torch;

namespace WganCourse.Objectives;

/// <summary>
/// WGAN with weight clipping (Arjovsky, Chintala &amp; Bottou 2017, Algorithm 1). The critic f_w has no sigmoid and
/// maximises E_x~Pr[f(x)] − E_z[f(G(z))], i.e. minimises <c>E[f(G(z))] − E[f(x)]</c>; the generator minimises
/// <c>−E[f(G(z))]</c>; no logs anywhere. After every critic step all critic parameters are clipped to [−c, c]
/// (the original code clamps every parameter of the critic, BatchNorm's included, and so does this class), which
/// keeps f in a set of K-Lipschitz functions for some unknown K, so −(critic loss) estimates K·W(Pr, Pg).
/// Paper defaults: c = 0.01, RMSProp lr 5e-5 for both networks, n_critic = 5, batch 64. The original code also
/// trains the critic 100 times before each of the first 25 generator iterations and before every 500th one
/// (<c>originalSchedule: true</c>), so that the critic is near optimal when the W estimate is read.
/// </summary>
public sealed class WganClip : Objective
{
    public const double PaperClip = 0.01;
    public const double PaperLearningRate = 5e-5;
    public const int PaperCriticIterations = 5;

    readonly OptimizerSpec? optimizerOverride;

    /// <param name="clip">c: parameters are clamped to [−c, c] after every critic step.</param>
    /// <param name="learningRate">RMSProp learning rate α for critic and generator.</param>
    /// <param name="nCritic">Critic iterations per generator iteration.</param>
    /// <param name="originalSchedule">Use the original code's 100 critic iterations for generator iterations 0–24 and every 500th.</param>
    /// <param name="optimizer">Replaces RMSProp for both networks, e.g. <c>OptimizerSpec.Adam(1e-4, 0.5, 0.9)</c> for the
    /// paper's observation that momentum-based optimizers make clipped WGANs unstable.</param>
    public WganClip(double clip = PaperClip, double learningRate = PaperLearningRate, int nCritic = PaperCriticIterations,
        bool originalSchedule = false, OptimizerSpec? optimizer = null)
    {
        if (!(clip > 0) || double.IsInfinity(clip)) throw new ArgumentOutOfRangeException(nameof(clip), clip, "the clipping bound c must be a positive number");
        if (!(learningRate > 0)) throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "the learning rate must be positive");
        if (nCritic < 1) throw new ArgumentOutOfRangeException(nameof(nCritic), nCritic, "n_critic must be ≥ 1");
        (Clip, LearningRate, NCritic, OriginalSchedule, optimizerOverride) = (clip, learningRate, nCritic, originalSchedule, optimizer);
    }

    public double Clip { get; }
    public double LearningRate { get; }
    public int NCritic { get; }
    public bool OriginalSchedule { get; }

    public override string Name => optimizerOverride is null ? "WGAN" : $"WGAN ({optimizerOverride})";

    public override Tensor CriticLoss(Func<Tensor, Tensor?, Tensor> critic, Tensor real, Tensor fake, Tensor? labels) =>
        Wgan.CriticLoss(critic, real, fake, labels);

    public override Tensor GeneratorLoss(Tensor fakeScores) => Wgan.GeneratorLoss(fakeScores);

    /// <summary>Clamps every critic parameter to [−c, c] in place.</summary>
    public override void AfterCriticStep(nn.Module critic) => Wgan.ClipParameters(critic, Clip);

    public override int CriticIterations(int generatorStep)
    {
        if (generatorStep < 0) throw new ArgumentOutOfRangeException(nameof(generatorStep), generatorStep, "generator steps count from 0");
        return OriginalSchedule && (generatorStep < 25 || generatorStep % 500 == 0) ? 100 : NCritic;
    }

    public override OptimizerSpec CriticOptimizer => optimizerOverride ?? OptimizerSpec.RmsProp(LearningRate);
    public override OptimizerSpec GeneratorOptimizer => optimizerOverride ?? OptimizerSpec.RmsProp(LearningRate);
}

/// <summary>
/// WGAN-GP (Gulrajani et al. 2017, Algorithm 1). Critic loss
/// <c>E[f(x̃)] − E[f(x)] + λ E[(‖∇x̂ f(x̂)‖₂ − 1)²]</c> with x̂ = εx + (1 − ε)x̃, ε ~ U[0, 1] per sample; generator loss
/// <c>−E[f(G(z))]</c>. Defaults from Algorithm 1: λ = 10, n_critic = 5, Adam α = 1e-4, β1 = 0, β2 = 0.9. The authors'
/// released code used β1 = 0.5 (pass <c>beta1: 0.5</c> to match it). The penalty is per sample, so the critic must not
/// mix samples of a batch: no BatchNorm in the critic (the paper suggests layer normalisation instead).
/// </summary>
public sealed class WganGp : Objective
{
    public const double PaperLambda = 10;
    public const double PaperLearningRate = 1e-4;
    public const double PaperBeta1 = 0.0;
    public const double CodeBeta1 = 0.5;
    public const double PaperBeta2 = 0.9;
    public const int PaperCriticIterations = 5;

    readonly Generator? generator;

    /// <param name="lambda">λ, the penalty weight.</param>
    /// <param name="nCritic">Critic iterations per generator iteration.</param>
    /// <param name="learningRate">Adam α for both networks.</param>
    /// <param name="beta1">Adam β1: 0 in Algorithm 1, 0.5 in the authors' code.</param>
    /// <param name="beta2">Adam β2.</param>
    /// <param name="generator">Draws ε for the interpolates (reproducible runs); the global generator when null.</param>
    public WganGp(double lambda = PaperLambda, int nCritic = PaperCriticIterations, double learningRate = PaperLearningRate,
        double beta1 = PaperBeta1, double beta2 = PaperBeta2, Generator? generator = null)
    {
        if (!(lambda >= 0) || double.IsInfinity(lambda)) throw new ArgumentOutOfRangeException(nameof(lambda), lambda, "λ must be a non-negative number");
        if (nCritic < 1) throw new ArgumentOutOfRangeException(nameof(nCritic), nCritic, "n_critic must be ≥ 1");
        if (!(learningRate > 0)) throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "the learning rate must be positive");
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) throw new ArgumentOutOfRangeException(nameof(beta1), $"Adam betas must lie in [0, 1), got ({beta1}, {beta2})");
        (Lambda, NCritic, LearningRate, Beta1, Beta2, this.generator) = (lambda, nCritic, learningRate, beta1, beta2, generator);
    }

    public double Lambda { get; }
    public int NCritic { get; }
    public double LearningRate { get; }
    public double Beta1 { get; }
    public double Beta2 { get; }

    public override string Name => "WGAN-GP";

    public override Tensor CriticLoss(Func<Tensor, Tensor?, Tensor> critic, Tensor real, Tensor fake, Tensor? labels)
    {
        using var scope = NewDisposeScope();
        var wganLoss = Wgan.CriticLoss(critic, real, fake, labels);
        return (wganLoss + GradientPenalty(critic, real, fake, labels, Lambda, generator)).MoveToOuterDisposeScope();
    }

    public override Tensor GeneratorLoss(Tensor fakeScores) => Wgan.GeneratorLoss(fakeScores);

    public override int CriticIterations(int generatorStep) => NCritic;

    public override OptimizerSpec CriticOptimizer => OptimizerSpec.Adam(LearningRate, Beta1, Beta2);
    public override OptimizerSpec GeneratorOptimizer => OptimizerSpec.Adam(LearningRate, Beta1, Beta2);

    /// <summary>
    /// x̂ = εx + (1 − ε)x̃ with one ε ~ U[0, 1] per sample (broadcast over the other dimensions), detached from the
    /// graphs that made x and x̃ (the penalty is a function of the critic only).
    /// </summary>
    public static Tensor Interpolates(Tensor real, Tensor fake, Generator? generator = null)
    {
        Wgan.CheckBatches(real, fake, null);
        using var scope = NewDisposeScope();
        var shape = new long[real.dim()];
        shape[0] = real.shape[0];
        for (int k = 1; k < shape.Length; k++) shape[k] = 1;
        var eps = generator is null
            ? rand(shape, dtype: real.dtype, device: real.device)
            : rand(shape, dtype: real.dtype, generator: generator).to(real.device);
        var xhat = eps * real.detach() + (1 - eps) * fake.detach();
        return xhat.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The gradient penalty λ E[(‖∇x̂ f(x̂)‖₂ − 1)²] on random interpolates, as a differentiable scalar: the input
    /// gradient is taken with <c>torch.autograd.grad(..., create_graph: true)</c> so that the penalty's own gradient
    /// reaches the critic's parameters (double backpropagation). Conditional critics get <paramref name="labels"/>
    /// for the interpolates (the real batch's labels, which the fakes were generated with).
    /// </summary>
    public static Tensor GradientPenalty(Func<Tensor, Tensor?, Tensor> critic, Tensor real, Tensor fake, Tensor? labels, double lambda,
        Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(critic);
        if (!(lambda >= 0) || double.IsInfinity(lambda)) throw new ArgumentOutOfRangeException(nameof(lambda), lambda, "λ must be a non-negative number");
        Wgan.CheckBatches(real, fake, labels);
        using var scope = NewDisposeScope();
        var norms = InputGradientNorms(critic, Interpolates(real, fake, generator), labels, createGraph: true);
        return (lambda * (norms - 1).square().mean()).MoveToOuterDisposeScope();
    }

    /// <summary><see cref="GradientPenalty(Func{Tensor, Tensor?, Tensor}, Tensor, Tensor, Tensor?, double, Generator?)"/> for an unconditional critic module.</summary>
    public static Tensor GradientPenalty(nn.Module<Tensor, Tensor> critic, Tensor real, Tensor fake, double lambda, Generator? generator = null) =>
        GradientPenalty((x, _) => critic.call(x), real, fake, null, lambda, generator);

    /// <summary>
    /// ‖∇x f(x)‖₂ per sample, shape [batch]. With <paramref name="createGraph"/> false the result is detached (a probe:
    /// e.g. the claim that a trained WGAN-GP critic has gradient norm ≈ 1 on interpolates).
    /// </summary>
    public static Tensor InputGradientNorms(Func<Tensor, Tensor?, Tensor> critic, Tensor x, Tensor? labels = null, bool createGraph = false)
    {
        ArgumentNullException.ThrowIfNull(critic);
        if (x.dim() < 2) throw new ArgumentException($"expected a batch [batch, ...], got shape [{string.Join(", ", x.shape)}]", nameof(x));
        if (!x.is_floating_point()) throw new ArgumentException($"expected floating-point inputs, got {x.dtype}", nameof(x));
        using var scope = NewDisposeScope();
        using var enable = enable_grad();
        var input = x.detach().requires_grad_(true);
        var scores = critic(input, labels);
        if (scores.shape[0] != x.shape[0] || scores.numel() != x.shape[0])
            throw new ArgumentException($"the critic must return one score per sample ([{x.shape[0]}, 1]), got [{string.Join(", ", scores.shape)}]");
        // Each score depends only on its own sample, so the gradient of the sum gives every per-sample gradient.
        var grad = autograd.grad(new[] { scores.sum() }, new[] { input }, create_graph: createGraph, retain_graph: createGraph)[0];
        var norms = grad.reshape(x.shape[0], -1).norm(dim: 1); // L2 norm of each row (p = 2 by default)
        return (createGraph ? norms : norms.detach()).MoveToOuterDisposeScope();
    }

    /// <summary>Per-sample input-gradient norms on fresh interpolates between <paramref name="real"/> and <paramref name="fake"/>.</summary>
    public static Tensor InterpolateGradientNorms(Func<Tensor, Tensor?, Tensor> critic, Tensor real, Tensor fake, Tensor? labels = null, Generator? generator = null)
    {
        using var scope = NewDisposeScope();
        return InputGradientNorms(critic, Interpolates(real, fake, generator), labels).MoveToOuterDisposeScope();
    }
}

/// <summary>
/// WGAN loss with a spectrally normalised critic (Miyato et al. 2018): the Lipschitz constraint comes from the
/// architecture (<see cref="SpectralNorm"/> on every Linear/Conv2d of the critic), so there is neither clipping nor a
/// penalty. Miyato et al. mainly pair SN with the GAN (and hinge) loss; this course supports only the WGAN loss with an
/// SN critic, which is what the comparison table needs. Defaults: Adam α = 1e-4, β = (0.5, 0.9), n_critic = 5
/// (the WGAN-GP code's optimizer, one of the settings Miyato et al. compare). The first critic step checks that the
/// critic really contains spectrally normalised layers.
/// </summary>
public sealed class WganSn : Objective
{
    readonly HashSet<nn.Module> verified = new(ReferenceEqualityComparer.Instance);

    public WganSn(int nCritic = 5, double learningRate = 1e-4, double beta1 = 0.5, double beta2 = 0.9)
    {
        if (nCritic < 1) throw new ArgumentOutOfRangeException(nameof(nCritic), nCritic, "n_critic must be ≥ 1");
        if (!(learningRate > 0)) throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "the learning rate must be positive");
        (NCritic, LearningRate, Beta1, Beta2) = (nCritic, learningRate, beta1, beta2);
    }

    public int NCritic { get; }
    public double LearningRate { get; }
    public double Beta1 { get; }
    public double Beta2 { get; }

    public override string Name => "WGAN-SN";

    public override Tensor CriticLoss(Func<Tensor, Tensor?, Tensor> critic, Tensor real, Tensor fake, Tensor? labels) =>
        Wgan.CriticLoss(critic, real, fake, labels);

    public override Tensor GeneratorLoss(Tensor fakeScores) => Wgan.GeneratorLoss(fakeScores);

    /// <summary>Nothing to enforce (SN acts in the forward pass); checks once per critic that it has SN layers.</summary>
    public override void AfterCriticStep(nn.Module critic)
    {
        if (verified.Contains(critic)) return;
        if (!critic.modules().OfType<SpectralNorm>().Any())
            throw new ArgumentException($"WGAN-SN needs a critic with spectrally normalised layers; {critic.GetName()} has none. " +
                                        "Wrap its layers with SpectralNorm.Linear/Conv2d or call SpectralNorm.Apply(critic).");
        verified.Add(critic);
    }

    public override int CriticIterations(int generatorStep) => NCritic;
    public override OptimizerSpec CriticOptimizer => OptimizerSpec.Adam(LearningRate, Beta1, Beta2);
    public override OptimizerSpec GeneratorOptimizer => OptimizerSpec.Adam(LearningRate, Beta1, Beta2);
}

/// <summary>Helpers shared by the WGAN objectives.</summary>
public static class Wgan
{
    /// <summary>
    /// The critic's loss of every WGAN variant, E[D(fake)] − E[D(real)] (WGAN paper, Algorithm 1): minimising it maximises
    /// the Kantorovich–Rubinstein objective, so its negative estimates K·W(P_r, P_θ). No logs, no sigmoid.
    /// </summary>
    public static Tensor CriticLoss(Func<Tensor, Tensor?, Tensor> critic, Tensor real, Tensor fake, Tensor? labels)
    {
        ArgumentNullException.ThrowIfNull(critic);
        CheckBatches(real, fake, labels);
        using var scope = NewDisposeScope();
        return (critic(fake, labels).mean() - critic(real, labels).mean()).MoveToOuterDisposeScope();
    }

    /// <summary>The generator's loss of every WGAN variant, −E[D(G(z))].</summary>
    public static Tensor GeneratorLoss(Tensor fakeScores)
    {
        CheckScores(fakeScores);
        return -fakeScores.mean();
    }

    /// <summary>Clamps every parameter of the critic to [−c, c] in place (WGAN paper, Algorithm 1, line 7).</summary>
    public static void ClipParameters(nn.Module critic, double c)
    {
        ArgumentNullException.ThrowIfNull(critic);
        if (!(c > 0)) throw new ArgumentOutOfRangeException(nameof(c), c, "the clipping bound c must be positive");
        using var _ = no_grad();
        foreach (var p in critic.parameters()) p.clamp_(-c, c);
    }

    /// <summary>Critic scores: floating point, one per sample ([batch] or [batch, 1]).</summary>
    internal static void CheckScores(Tensor scores)
    {
        ArgumentNullException.ThrowIfNull(scores);
        bool onePerSample = scores.dim() == 1 || (scores.dim() == 2 && scores.shape[1] == 1);
        if (!onePerSample || scores.numel() == 0)
            throw new ArgumentException($"expected critic scores of shape [batch, 1] or [batch] (one per sample), got [{string.Join(", ", scores.shape)}]", nameof(scores));
        if (!scores.is_floating_point())
            throw new ArgumentException($"expected floating-point critic scores, got {scores.dtype}", nameof(scores));
    }

    internal static void CheckBatches(Tensor real, Tensor fake, Tensor? labels)
    {
        ArgumentNullException.ThrowIfNull(real);
        ArgumentNullException.ThrowIfNull(fake);
        if (!real.shape.SequenceEqual(fake.shape))
            throw new ArgumentException($"real and fake batches must have the same shape, got [{string.Join(", ", real.shape)}] and [{string.Join(", ", fake.shape)}]");
        if (real.device_type != fake.device_type || real.device_index != fake.device_index)
            throw new ArgumentException($"real and fake batches must be on the same device, got {real.device} and {fake.device}");
        if (labels is not null && (labels.dim() < 1 || labels.shape[0] != real.shape[0]))
            throw new ArgumentException($"expected one label per sample ({real.shape[0]}), got labels of shape [{string.Join(", ", labels.shape)}]");
    }
}
