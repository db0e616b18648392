using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace WganCourse.Objectives;

/// <summary>
/// The losses of Goodfellow et al. 2014, computed from the discriminator's logits l (D = σ(l)).
/// Every log goes through softplus: log σ(l) = −softplus(−l) and log(1 − σ(l)) = log σ(−l) = −softplus(l),
/// which stay finite (and keep their gradients) at any logit, where log(sigmoid(l)) would give log 0 = −∞ as soon
/// as σ(l) rounds to 0 or 1 in float32 (|l| ≳ 17 for 1 − σ, l ≲ −88 for σ).
/// </summary>
public static class GanLosses
{
    /// <summary>Discriminator loss −E_Pr[log D(x)] − E_Pg[log(1 − D(G(z)))] = E[softplus(−l_real)] + E[softplus(l_fake)].
    /// It equals −V(D, G); its minimum over D is log 4 − 2·JS(Pr‖Pg).</summary>
    public static Tensor Discriminator(Tensor realLogits, Tensor fakeLogits)
    {
        CheckLogits(realLogits, nameof(realLogits));
        CheckLogits(fakeLogits, nameof(fakeLogits));
        return F.softplus(-realLogits).mean() + F.softplus(fakeLogits).mean();
    }

    /// <summary>Generator loss A (the minimax one, saturating): minimise E[log(1 − D(G(z)))] = −E[softplus(l_fake)].
    /// Its derivative in the logit is −σ(l): it vanishes when D confidently rejects the fakes (l → −∞).</summary>
    public static Tensor GeneratorSaturating(Tensor fakeLogits)
    {
        CheckLogits(fakeLogits, nameof(fakeLogits));
        return -F.softplus(fakeLogits).mean();
    }

    /// <summary>Generator loss B (the "−log D trick", non-saturating): minimise −E[log D(G(z))] = E[softplus(−l_fake)].
    /// Its derivative in the logit is −(1 − σ(l)) → −1 when D rejects the fakes: the gradient survives.</summary>
    public static Tensor GeneratorNonSaturating(Tensor fakeLogits)
    {
        CheckLogits(fakeLogits, nameof(fakeLogits));
        return F.softplus(-fakeLogits).mean();
    }

    /// <summary>The value V(D, G) = E_Pr[log D(x)] + E_Pg[log(1 − D(G(z)))] estimated from logits (a minibatch estimate).</summary>
    public static Tensor Value(Tensor realLogits, Tensor fakeLogits) => -Discriminator(realLogits, fakeLogits);

    /// <summary>log D = log σ(l), stably.</summary>
    public static Tensor LogD(Tensor logits) => -F.softplus(-logits);

    /// <summary>log(1 − D) = log σ(−l), stably.</summary>
    public static Tensor LogOneMinusD(Tensor logits) => -F.softplus(logits);

    static void CheckLogits(Tensor t, string name)
    {
        if (t.numel() == 0)
            throw new ArgumentException($"{name}: expected a non-empty tensor of logits, got shape [{string.Join(", ", t.shape)}]", name);
        if (!t.is_floating_point())
            throw new ArgumentException($"{name}: expected floating-point logits, got {t.dtype}", name);
    }
}

/// <summary>
/// Shared part of both GAN objectives: the discriminator loss and the optimizers.
/// Optimizers: Goodfellow et al. 2014 trained with SGD with momentum; this course uses Adam(lr 2e-4, β = (0.5, 0.999))
/// for both networks, the setting of Radford et al. (DCGAN), which is what practically every GAN since has used
/// as its baseline and which lets the GAN and WGAN notebooks differ only in the objective.
/// </summary>
public abstract class GanObjective : Objective
{
    /// <summary>D minimises −E[log D(x)] − E[log(1 − D(G(z)))] (the same for both generator losses).</summary>
    public override Tensor CriticLoss(Func<Tensor, Tensor?, Tensor> critic, Tensor real, Tensor fake, Tensor? labels)
    {
        ArgumentNullException.ThrowIfNull(critic);
        if (real.shape.Length == 0 || fake.shape.Length == 0)
            throw new ArgumentException("real and fake must be batches with a leading batch dimension");
        return GanLosses.Discriminator(critic(real, labels), critic(fake, labels));
    }

    /// <summary>Adam(2e-4, β = (0.5, 0.999)) — DCGAN's setting, not the original paper's SGD with momentum.</summary>
    public override OptimizerSpec CriticOptimizer => OptimizerSpec.Adam(2e-4, 0.5, 0.999);
    /// <summary>Adam(2e-4, β = (0.5, 0.999)) — DCGAN's setting, not the original paper's SGD with momentum.</summary>
    public override OptimizerSpec GeneratorOptimizer => OptimizerSpec.Adam(2e-4, 0.5, 0.999);

}

/// <summary>The minimax GAN: G minimises E[log(1 − D(G(z)))] (loss A). Saturates when D wins (notebook 02).</summary>
public sealed class GanSaturating : GanObjective
{
    public override string Name => "GAN (sat.)";
    public override Tensor GeneratorLoss(Tensor fakeScores) => GanLosses.GeneratorSaturating(fakeScores);
}

/// <summary>The GAN with the "−log D" trick: G minimises −E[log D(G(z))] (loss B). Gradients survive, but the
/// objective is KL(Pg‖Pr) − 2·JS (Arjovsky &amp; Bottou, Theorem 2.5), which favours mode collapse (notebook 03).</summary>
public sealed class GanNonSaturating : GanObjective
{
    public override string Name => "GAN (non-sat.)";
    public override Tensor GeneratorLoss(Tensor fakeScores) => GanLosses.GeneratorNonSaturating(fakeScores);
}
