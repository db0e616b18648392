using TorchSharp;
using TorchSharp.Modules;
using WganCourse.Runtime;
using static TorchSharp.torch;

namespace WganCourse.Models;

/// <summary>
/// Shared pieces of the fully connected MNIST models (the unconditional MLP GAN of notebook 05 and the CGAN of 04):
/// layer stacks and input checks.
/// </summary>
public static class MnistMlp
{
    /// <summary>28 × 28 pixels, flattened.</summary>
    public const int Pixels = 28 * 28;
    /// <summary>Default hidden widths of G: z → 256 → 512 → 784.</summary>
    public static int[] GeneratorHidden => new[] { 256, 512 };
    /// <summary>Default hidden widths of D: 784 → 512 → 256 → 1.</summary>
    public static int[] DiscriminatorHidden => new[] { 512, 256 };

    /// <summary>
    /// Linear layers through <paramref name="hidden"/>: ReLU between them and Tanh at the end for a generator,
    /// LeakyReLU(0.2) between them and a raw score at the end for a discriminator. With <paramref name="batchNorm"/>
    /// (generators only) every hidden linear layer is followed by BatchNorm1d before its ReLU and has no bias of its
    /// own (BatchNorm's shift replaces it), as in the DCGAN generator.
    /// </summary>
    public static Sequential Stack(int inputs, int[] hidden, int outputs, bool generator, bool batchNorm = false)
    {
        if (hidden.Length == 0 || hidden.Any(h => h <= 0))
            throw new ArgumentException($"hidden widths must be one or more positive numbers, got [{string.Join(", ", hidden)}].", nameof(hidden));
        if (batchNorm && !generator)
            throw new ArgumentException("batchNorm is for generator stacks only: the course's MLP discriminators have no BatchNorm.", nameof(batchNorm));
        var layers = new List<(string, nn.Module<Tensor, Tensor>)>();
        int width = inputs;
        for (int i = 0; i < hidden.Length; i++)
        {
            layers.Add(($"fc{i}", nn.Linear(width, hidden[i], hasBias: !batchNorm)));
            if (batchNorm) layers.Add(($"bn{i}", nn.BatchNorm1d(hidden[i])));
            layers.Add(($"act{i}", generator ? nn.ReLU() : nn.LeakyReLU(0.2)));
            width = hidden[i];
        }
        layers.Add(("out", nn.Linear(width, outputs)));
        if (generator) layers.Add(("tanh", nn.Tanh()));
        return nn.Sequential(layers);
    }

    /// <summary>Devices compare by type and index (Device objects are not unique per device; "cuda" means "cuda:0").</summary>
    public static bool SameDevice(Device a, Device b) => a.type == b.type && Math.Max(a.index, 0) == Math.Max(b.index, 0);

    /// <summary>z must be float [batch, latentDim] on the model's device.</summary>
    public static void CheckLatent(Tensor z, int latentDim, Device device, string who)
    {
        if (z.dim() != 2 || z.shape[1] != latentDim)
            throw new ArgumentException($"{who} expects z of shape [batch, {latentDim}], got [{string.Join(", ", z.shape)}].");
        if (!z.is_floating_point())
            throw new ArgumentException($"{who} expects a floating-point z, got {z.dtype}.");
        if (!MnistMlp.SameDevice(z.device, device))
            throw new ArgumentException($"{who} expects z on {device} (where its weights are), got it on {z.device}.");
    }

    /// <summary>x must be float [batch, 1, 28, 28] or [batch, 784] on the model's device.</summary>
    public static void CheckImages(Tensor x, Device device, string who)
    {
        bool ok = (x.dim() == 4 && x.shape[1] == 1 && x.shape[2] == 28 && x.shape[3] == 28) || (x.dim() == 2 && x.shape[1] == Pixels);
        if (!ok)
            throw new ArgumentException($"{who} expects images of shape [batch, 1, 28, 28] or [batch, 784], got [{string.Join(", ", x.shape)}].");
        if (!x.is_floating_point())
            throw new ArgumentException($"{who} expects floating-point images in [−1, 1], got {x.dtype}.");
        if (!MnistMlp.SameDevice(x.device, device))
            throw new ArgumentException($"{who} expects images on {device} (where its weights are), got them on {x.device}.");
    }
}

/// <summary>
/// The fully connected MNIST generator, the baseline that notebook 05 puts next to the DCGAN: z → 256 → 512 → 784,
/// ReLU, Tanh output reshaped to N×1×28×28. By default no BatchNorm (a plain MLP GAN in the spirit of Goodfellow et
/// al. 2014). With the defaults it has 0.56 M parameters, against 0.76 M for <see cref="DcganGenerator"/> with ngf = 64.
/// <para>
/// <c>batchNorm: true</c> puts BatchNorm1d after each hidden layer (before its ReLU), Radford et al.'s guideline applied
/// to an MLP. Measured on the shipped digits (batch 64, Adam 2e-4, β1 0.5, non-saturating loss): without it this
/// generator collapsed to a handful of blurred shapes within the course's CPU budget; with it the samples stay diverse.
/// </para>
/// </summary>
public sealed class MnistMlpGenerator : GeneratorNet
{
    readonly Sequential net;
    readonly int latentDim;

    /// <param name="latentDim">size of z.</param>
    /// <param name="hidden">hidden widths (default 256, 512).</param>
    /// <param name="batchNorm">BatchNorm1d after each hidden layer (see the class remarks).</param>
    /// <param name="seed">seed of the weight initialisation (PyTorch's default scheme).</param>
    /// <param name="device">default <see cref="Devices.Current"/>.</param>
    public MnistMlpGenerator(int latentDim = 100, int[]? hidden = null, int seed = Seeds.Default, Device? device = null, bool batchNorm = false)
        : base("MnistMlpGenerator")
    {
        if (latentDim <= 0) throw new ArgumentOutOfRangeException(nameof(latentDim), latentDim, "latent size must be positive");
        this.latentDim = latentDim;
        BatchNorm = batchNorm;
        net = MnistMlp.Stack(latentDim, hidden ?? MnistMlp.GeneratorHidden, MnistMlp.Pixels, generator: true, batchNorm: batchNorm);
        RegisterComponents();
        using var g = Seeds.Generator(seed);
        WeightInit.TorchDefault(this, g);
        this.to(device ?? Devices.Current);
    }

    public override int LatentDim => latentDim;
    /// <summary>Whether the hidden layers are followed by BatchNorm1d.</summary>
    public bool BatchNorm { get; }

    public override Tensor forward(Tensor z)
    {
        MnistMlp.CheckLatent(z, latentDim, Device, GetName());
        using var scope = NewDisposeScope();
        return net.forward(z).view(-1, 1, 28, 28).MoveToOuterDisposeScope();
    }
}

/// <summary>
/// The fully connected MNIST discriminator: 784 → 512 → 256 → 1, LeakyReLU(0.2), raw score (logit) out.
/// Accepts N×1×28×28 or N×784.
/// </summary>
public sealed class MnistMlpDiscriminator : CriticNet
{
    readonly Sequential net;

    public MnistMlpDiscriminator(int[]? hidden = null, int seed = Seeds.Default, Device? device = null)
        : base("MnistMlpDiscriminator")
    {
        net = MnistMlp.Stack(MnistMlp.Pixels, hidden ?? MnistMlp.DiscriminatorHidden, 1, generator: false);
        RegisterComponents();
        using var g = Seeds.Generator(seed);
        WeightInit.TorchDefault(this, g);
        this.to(device ?? Devices.Current);
    }

    public override Tensor forward(Tensor x)
    {
        MnistMlp.CheckImages(x, Device, GetName());
        using var scope = NewDisposeScope();
        return net.forward(x.reshape(x.shape[0], MnistMlp.Pixels)).MoveToOuterDisposeScope();
    }
}
