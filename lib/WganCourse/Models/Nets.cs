using TorchSharp;
using static TorchSharp.torch;

namespace WganCourse.Models;

/// <summary>
/// A generator G: latent z ~ N(0, I) (and, for a conditional GAN, a label y) → sample.
/// Unconditional generators implement <c>forward(z)</c>; conditional ones override <see cref="Generate"/>.
/// </summary>
public abstract class GeneratorNet : nn.Module<Tensor, Tensor>
{
    protected GeneratorNet(string name) : base(name) { }

    /// <summary>Size of z.</summary>
    public abstract int LatentDim { get; }
    /// <summary>True when G takes a label y (CGAN).</summary>
    public virtual bool IsConditional => false;

    /// <summary>G(z) or G(z, y).</summary>
    public virtual Tensor Generate(Tensor z, Tensor? labels)
    {
        if (labels is not null && !IsConditional)
            throw new ArgumentException($"{GetName()} is unconditional: call Generate(z, null).");
        return forward(z);
    }

    /// <summary>The device of G's parameters (where z must live).</summary>
    public Device Device => parameters().First().device;

    /// <summary>Draws z ~ N(0, I) of shape [n, LatentDim] on G's device.</summary>
    public Tensor Latent(int n, Generator? generator = null)
    {
        if (n <= 0) throw new ArgumentOutOfRangeException(nameof(n), n, "sample count must be positive");
        return generator is null
            ? randn(new long[] { n, LatentDim }, device: Device)
            : randn(new long[] { n, LatentDim }, generator: generator).to(Device);
    }

    /// <summary>n samples in eval mode without gradients (BatchNorm uses running statistics).</summary>
    public Tensor Sample(int n, Generator? generator = null, Tensor? labels = null)
    {
        var wasTraining = training;
        eval();
        try
        {
            using var _ = no_grad();
            using var scope = NewDisposeScope();
            return Generate(Latent(n, generator), labels?.to(Device)).MoveToOuterDisposeScope();
        }
        finally { if (wasTraining) train(); }
    }
}

/// <summary>
/// A discriminator or critic D: sample (and label y for CGAN) → raw score, shape [batch, 1].
/// GAN objectives read the score as a logit (D = σ(score)); the WGAN critic's score is unbounded.
/// </summary>
public abstract class CriticNet : nn.Module<Tensor, Tensor>
{
    protected CriticNet(string name) : base(name) { }

    public virtual bool IsConditional => false;

    /// <summary>D(x) or D(x, y).</summary>
    public virtual Tensor Score(Tensor x, Tensor? labels)
    {
        if (labels is not null && !IsConditional)
            throw new ArgumentException($"{GetName()} is unconditional: call Score(x, null).");
        return forward(x);
    }

    public Device Device => parameters().First().device;
}
