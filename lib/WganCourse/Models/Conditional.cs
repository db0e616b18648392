using TorchSharp;
using TorchSharp.Modules;
using WganCourse.Runtime;
using static TorchSharp.torch;

namespace WganCourse.Models;

/// <summary>Class labels y for conditional models: validation, one-hot coding, balanced label vectors.</summary>
public static class ClassLabels
{
    /// <summary>MNIST has ten classes, the digits 0–9.</summary>
    public const int Count = 10;

    /// <summary>
    /// Checks that <paramref name="labels"/> are class indices for a batch of <paramref name="batch"/>: int64,
    /// shape [batch], values in 0..<see cref="Count"/>−1, on <paramref name="device"/>. Throws an ArgumentException
    /// naming <paramref name="who"/>, what was expected and what was received.
    /// </summary>
    public static void Validate(Tensor? labels, long batch, Device device, string who)
    {
        if (labels is null)
            throw new ArgumentException($"{who} is conditional: it needs labels y (int64 class indices 0–{Count - 1}, one per sample), got null.");
        if (labels.dtype != ScalarType.Int64)
            throw new ArgumentException($"{who} expects labels of dtype Int64 (class indices 0–{Count - 1}), got {labels.dtype}.");
        if (labels.dim() != 1 || labels.shape[0] != batch)
            throw new ArgumentException($"{who} expects labels of shape [{batch}] (one per sample in the batch), got [{string.Join(", ", labels.shape)}].");
        if (!MnistMlp.SameDevice(labels.device, device))
            throw new ArgumentException($"{who} expects labels on {device}, got them on {labels.device}.");
        if (batch == 0) return;
        using var outside = labels.lt(0).logical_or_(labels.ge(Count)).any(); // one scalar read per call
        if (outside.item<bool>())
        {
            long lo = labels.min().item<long>(), hi = labels.max().item<long>();
            throw new ArgumentException($"{who} expects labels in 0..{Count - 1}, got values in [{lo}, {hi}].");
        }
    }

    /// <summary>One-hot rows [batch, 10] (float32) of valid labels.</summary>
    public static Tensor OneHot(Tensor labels) => nn.functional.one_hot(labels, Count).to_type(ScalarType.Float32);

    /// <summary>[0 ×perClass, 1 ×perClass, …, 9 ×perClass]: every digit equally often, in blocks.</summary>
    public static Tensor Balanced(int perClass, Device? device = null)
    {
        if (perClass <= 0) throw new ArgumentOutOfRangeException(nameof(perClass), perClass, "samples per class must be positive");
        return arange(Count, dtype: ScalarType.Int64, device: device ?? CPU).repeat_interleave(perClass);
    }
}

/// <summary>
/// The CGAN generator G(z, y) of Mirza &amp; Osindero 2014 for MNIST: an MLP on the concatenation [z, one-hot(y)],
/// ReLU hidden layers, Tanh output reshaped to N×1×28×28 (the digits are scaled to [−1, 1]).
/// <para>
/// How y enters (deviation from the paper): the paper maps z (to 200 ReLU units) and y (to 1000 ReLU units)
/// separately and joins them in a 1200-unit layer. We concatenate the one-hot y to z at the input instead. The
/// first linear layer of [z, y] computes W_z z + W_y y, i.e. a separate linear map of each input added together,
/// so the label still steers every hidden unit; what we drop is one nonlinearity on each input before they meet.
/// It is fewer parameters and one code path with the unconditional MLP (<see cref="MnistMlpGenerator"/>). The paper
/// also uses dropout; we do not.
/// </para>
/// <para>
/// <c>batchNorm: true</c> (what notebook 04 uses) puts BatchNorm1d after each hidden layer, before its ReLU — a
/// DCGAN guideline, not in Mirza &amp; Osindero. Measured on the shipped digits (batch 64, Adam 2e-4, β1 0.5,
/// non-saturating loss, seed 1): without it G collapsed to two or three shapes drawn for every requested digit
/// (control accuracy 0.10, chance level, after 4000 steps); with it the control accuracy was 0.23 after 2000 steps
/// and 0.93 after 6000.
/// </para>
/// </summary>
public sealed class ConditionalMlpGenerator : GeneratorNet
{
    readonly Sequential net;
    readonly int latentDim;

    /// <param name="latentDim">size of z (the paper: 100).</param>
    /// <param name="hidden">hidden widths (default 256, 512).</param>
    /// <param name="seed">seed of the weight initialisation (PyTorch's default scheme).</param>
    /// <param name="device">default <see cref="Devices.Current"/>.</param>
    /// <param name="batchNorm">BatchNorm1d after each hidden layer (see the class remarks).</param>
    public ConditionalMlpGenerator(int latentDim = 100, int[]? hidden = null, int seed = Seeds.Default, Device? device = null, bool batchNorm = false)
        : base("ConditionalMlpGenerator")
    {
        if (latentDim <= 0) throw new ArgumentOutOfRangeException(nameof(latentDim), latentDim, "latent size must be positive");
        this.latentDim = latentDim;
        BatchNorm = batchNorm;
        net = MnistMlp.Stack(latentDim + ClassLabels.Count, hidden ?? MnistMlp.GeneratorHidden, MnistMlp.Pixels, generator: true, batchNorm: batchNorm);
        RegisterComponents();
        using var g = Seeds.Generator(seed);
        WeightInit.TorchDefault(this, g);
        this.to(device ?? Devices.Current);
    }

    public override int LatentDim => latentDim;
    public override bool IsConditional => true;
    /// <summary>Whether the hidden layers are followed by BatchNorm1d.</summary>
    public bool BatchNorm { get; }

    public override Tensor Generate(Tensor z, Tensor? labels)
    {
        MnistMlp.CheckLatent(z, latentDim, Device, GetName());
        ClassLabels.Validate(labels, z.shape[0], Device, GetName());
        using var scope = NewDisposeScope();
        var h = cat(new[] { z, ClassLabels.OneHot(labels!) }, 1);
        return net.forward(h).view(-1, 1, 28, 28).MoveToOuterDisposeScope();
    }

    /// <summary>A conditional generator cannot run on z alone.</summary>
    public override Tensor forward(Tensor z) =>
        throw new InvalidOperationException($"{GetName()} is conditional: call Generate(z, labels) with int64 labels 0–9, one per row of z.");
}

/// <summary>
/// The CGAN discriminator D(x, y): an MLP on [flattened x, one-hot(y)] with LeakyReLU(0.2) hidden layers and one
/// raw score (a logit for the GAN objectives). Accepts x as N×1×28×28 or N×784. Same deviation as
/// <see cref="ConditionalMlpGenerator"/>: plain concatenation instead of the paper's separate maxout maps of x and
/// y, and no dropout.
/// </summary>
public sealed class ConditionalMlpDiscriminator : CriticNet
{
    readonly Sequential net;

    public ConditionalMlpDiscriminator(int[]? hidden = null, int seed = Seeds.Default, Device? device = null)
        : base("ConditionalMlpDiscriminator")
    {
        net = MnistMlp.Stack(MnistMlp.Pixels + ClassLabels.Count, hidden ?? MnistMlp.DiscriminatorHidden, 1, generator: false);
        RegisterComponents();
        using var g = Seeds.Generator(seed);
        WeightInit.TorchDefault(this, g);
        this.to(device ?? Devices.Current);
    }

    public override bool IsConditional => true;

    public override Tensor Score(Tensor x, Tensor? labels)
    {
        MnistMlp.CheckImages(x, Device, GetName());
        ClassLabels.Validate(labels, x.shape[0], Device, GetName());
        using var scope = NewDisposeScope();
        var h = cat(new[] { x.reshape(x.shape[0], MnistMlp.Pixels), ClassLabels.OneHot(labels!) }, 1);
        return net.forward(h).MoveToOuterDisposeScope();
    }

    /// <summary>A conditional discriminator cannot score x alone.</summary>
    public override Tensor forward(Tensor x) =>
        throw new InvalidOperationException($"{GetName()} is conditional: call Score(x, labels) with int64 labels 0–9, one per image.");
}

/// <summary>The outcome of <see cref="SameNetwork"/>: parameter shapes in order, and the largest output difference.</summary>
public sealed record NetworkComparison(bool ShapesMatch, double MaxOutputDifference, string Detail)
{
    /// <summary>Same shapes and outputs equal up to float32 round-off (1e-6).</summary>
    public bool Same => ShapesMatch && MaxOutputDifference <= 1e-6;
    public override string ToString() => ShapesMatch
        ? $"{Detail}; max output difference {MaxOutputDifference:G3}"
        : Detail;
}

/// <summary>
/// Is a network written in a notebook cell the library's network? Compares the parameter shapes in registration
/// order and the outputs on the same input (eval mode, no gradients; a conditional net gets labels i mod 10).
/// </summary>
public static class SameNetwork
{
    /// <summary>Two generators on the same <paramref name="n"/> latent codes drawn from <paramref name="seed"/>.</summary>
    public static NetworkComparison Compare(GeneratorNet a, GeneratorNet b, int n = 16, int seed = 1)
    {
        var shapes = Shapes(a, b);
        if (!shapes.Match || a.LatentDim != b.LatentDim || a.IsConditional != b.IsConditional)
            return new(false, double.NaN, shapes.Match ? "latent size or conditioning differs" : shapes.Detail);
        using var scope = torch.NewDisposeScope();
        using var g = Seeds.Generator(seed);
        var z = a.Latent(n, g);
        var y = a.IsConditional ? arange(n, dtype: ScalarType.Int64, device: a.Device).remainder(ClassLabels.Count) : null;
        var diff = Eval(a, b, () => (a.Generate(z, y), b.Generate(z.to(b.Device), y?.to(b.Device))));
        return new(true, diff, shapes.Detail);
    }

    /// <summary>Two critics on the same <paramref name="n"/> images, uniform in [−1, 1], drawn from <paramref name="seed"/>.</summary>
    public static NetworkComparison Compare(CriticNet a, CriticNet b, int n = 16, int seed = 1)
    {
        var shapes = Shapes(a, b);
        if (!shapes.Match || a.IsConditional != b.IsConditional)
            return new(false, double.NaN, shapes.Match ? "conditioning differs" : shapes.Detail);
        using var scope = torch.NewDisposeScope();
        using var g = Seeds.Generator(seed);
        var x = (rand(new long[] { n, 1, 28, 28 }, generator: g) * 2 - 1).to(a.Device);
        var y = a.IsConditional ? arange(n, dtype: ScalarType.Int64, device: a.Device).remainder(ClassLabels.Count) : null;
        var diff = Eval(a, b, () => (a.Score(x, y), b.Score(x.to(b.Device), y?.to(b.Device))));
        return new(true, diff, shapes.Detail);
    }

    static (bool Match, string Detail) Shapes(nn.Module a, nn.Module b)
    {
        var pa = a.parameters().Select(p => p.shape).ToList();
        var pb = b.parameters().Select(p => p.shape).ToList();
        string S(long[] s) => "[" + string.Join(" × ", s) + "]";
        if (pa.Count != pb.Count)
            return (false, $"{a.GetName()} has {pa.Count} parameter tensors, {b.GetName()} {pb.Count}");
        for (int i = 0; i < pa.Count; i++)
            if (!pa[i].SequenceEqual(pb[i]))
                return (false, $"parameter {i}: {S(pa[i])} in {a.GetName()}, {S(pb[i])} in {b.GetName()}");
        return (true, $"{pa.Count} parameter tensors of the same shapes ({pa.Sum(s => s.Aggregate(1L, (x, y) => x * y)):N0} numbers)");
    }

    static double Eval(nn.Module a, nn.Module b, Func<(Tensor, Tensor)> outputs)
    {
        bool ta = a.training, tb = b.training;
        a.eval(); b.eval();
        try
        {
            using var _ = no_grad();
            var (oa, ob) = outputs();
            if (!oa.shape.SequenceEqual(ob.shape)) return double.PositiveInfinity;
            return (oa.to(CPU) - ob.to(CPU)).abs().max().item<float>();
        }
        finally { if (ta) a.train(); if (tb) b.train(); }
    }
}
