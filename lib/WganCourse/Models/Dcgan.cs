using TorchSharp;
using TorchSharp.Modules;
using WganCourse.Runtime;
using static TorchSharp.torch;

namespace WganCourse.Models;

/// <summary>
/// The DCGAN generator of Radford, Metz &amp; Chintala 2015, sized for 1×28×28 digits. The paper's guidelines
/// (section 3), as followed here:
/// <list type="bullet">
/// <item>no pooling: resolution goes up only through stride-2 transposed convolutions;</item>
/// <item>BatchNorm after every layer except the output layer;</item>
/// <item>no fully connected hidden layers;</item>
/// <item>ReLU in every layer except the output, which is Tanh (the digits are scaled to [−1, 1]);</item>
/// <item>weights ~ N(0, 0.02), BatchNorm scale ~ N(1, 0.02) and shift 0 (<see cref="WeightInit.Dcgan"/>).</item>
/// </list>
/// Layers: z [N, nz] viewed as N×nz×1×1 → ConvTranspose 7×7 (stride 1, no padding) → 2·ngf×7×7 → BN, ReLU →
/// ConvTranspose 4×4 stride 2 pad 1 → ngf×14×14 → BN, ReLU → ConvTranspose 4×4 stride 2 pad 1 → 1×28×28 → Tanh.
/// <para>
/// 28 is not a power of two, so the paper's 4×4 start does not divide down to it: the first layer projects z to a
/// 7×7 map instead (a transposed convolution with a 7×7 kernel on the 1×1 input, which is the paper's "project and
/// reshape" written as a convolution), and two doublings give 7 → 14 → 28. Two upsampling stages instead of the
/// paper's four for 64×64; the paper's optimizer (Adam, lr 2e-4, β1 = 0.5) lives with the GAN objective.
/// </para>
/// Convolutions followed by BatchNorm have no bias (BatchNorm's shift replaces it); the output layer has one.
/// </summary>
public sealed class DcganGenerator : GeneratorNet
{
    readonly Sequential net;
    readonly int latentDim;

    /// <summary>Width parameter: channels are 2·ngf at 7×7 and ngf at 14×14.</summary>
    public int Ngf { get; }

    /// <param name="latentDim">size of z (the paper: 100).</param>
    /// <param name="ngf">generator width (the paper's reference code: 64).</param>
    /// <param name="seed">seed of the N(0, 0.02) initialisation.</param>
    /// <param name="device">default <see cref="Devices.Current"/>.</param>
    public DcganGenerator(int latentDim = 100, int ngf = 64, int seed = Seeds.Default, Device? device = null)
        : base("DcganGenerator")
    {
        if (latentDim <= 0) throw new ArgumentOutOfRangeException(nameof(latentDim), latentDim, "latent size must be positive");
        if (ngf <= 0) throw new ArgumentOutOfRangeException(nameof(ngf), ngf, "ngf must be positive");
        this.latentDim = latentDim;
        Ngf = ngf;
        net = nn.Sequential(
            ("project", nn.ConvTranspose2d(latentDim, 2 * ngf, kernel_size: 7, stride: 1, padding: 0, bias: false)), // 1×1 → 7×7
            ("bn0", nn.BatchNorm2d(2 * ngf)),
            ("relu0", nn.ReLU()),
            ("up1", nn.ConvTranspose2d(2 * ngf, ngf, kernel_size: 4, stride: 2, padding: 1, bias: false)),          // 7 → 14
            ("bn1", nn.BatchNorm2d(ngf)),
            ("relu1", nn.ReLU()),
            ("up2", nn.ConvTranspose2d(ngf, 1, kernel_size: 4, stride: 2, padding: 1, bias: true)),                 // 14 → 28
            ("tanh", nn.Tanh()));
        RegisterComponents();
        using var g = Seeds.Generator(seed);
        WeightInit.Dcgan(this, g);
        this.to(device ?? Devices.Current);
    }

    public override int LatentDim => latentDim;

    public override Tensor forward(Tensor z)
    {
        MnistMlp.CheckLatent(z, latentDim, Device, GetName());
        using var scope = NewDisposeScope();
        return net.forward(z.view(z.shape[0], latentDim, 1, 1)).MoveToOuterDisposeScope();
    }
}

/// <summary>
/// The DCGAN discriminator (Radford et al. 2015) for 1×28×28, the mirror image of <see cref="DcganGenerator"/>:
/// 1×28×28 → Conv 4×4 stride 2 pad 1 → ndf×14×14 → LeakyReLU(0.2) → Conv 4×4 stride 2 pad 1 → 2·ndf×7×7 → BN,
/// LeakyReLU(0.2) → Conv 7×7 (no padding) → 1×1×1: one raw score (a logit for the GAN objectives).
/// <para>
/// Strided convolutions instead of pooling; BatchNorm everywhere except the input layer; LeakyReLU(0.2) in every
/// layer; no fully connected hidden layer: the paper flattens the last convolutional map into a single output,
/// which for a 7×7 map is exactly a 7×7 convolution without padding. Weights N(0, 0.02).
/// </para>
/// Accepts x as N×1×28×28 or N×784.
/// </summary>
public sealed class DcganDiscriminator : CriticNet
{
    readonly Sequential net;

    /// <summary>Width parameter: channels are ndf at 14×14 and 2·ndf at 7×7.</summary>
    public int Ndf { get; }

    /// <param name="ndf">width: ndf channels at 14×14, 2·ndf at 7×7.</param>
    /// <param name="seed">seed of the N(0, 0.02) initialisation.</param>
    /// <param name="device">default <see cref="Devices.Current"/>.</param>
    /// <param name="batchNorm">false removes the BatchNorm layer (its conv then gets a bias): the WGAN-GP critic must not mix
    /// the samples of a batch, because its penalty is per sample (Gulrajani et al. 2017, section 4), and a spectrally
    /// normalised critic goes without it too (Miyato et al. 2018).</param>
    /// <param name="spectralNorm">wrap every convolution in <see cref="SpectralNorm"/> (for <see cref="Objectives.WganSn"/>;
    /// requires <paramref name="batchNorm"/> = false, since BatchNorm would rescale the normalised layer).</param>
    public DcganDiscriminator(int ndf = 64, int seed = Seeds.Default, Device? device = null, bool batchNorm = true, bool spectralNorm = false)
        : base("DcganDiscriminator")
    {
        if (ndf <= 0) throw new ArgumentOutOfRangeException(nameof(ndf), ndf, "ndf must be positive");
        if (spectralNorm && batchNorm) throw new ArgumentException("a spectrally normalised critic must not have BatchNorm (it would undo the normalisation): pass batchNorm: false");
        Ndf = ndf;
        HasBatchNorm = batchNorm;
        var layers = new List<(string, nn.Module<Tensor, Tensor>)>
        {
            ("down1", nn.Conv2d(1, ndf, kernel_size: 4, stride: 2, padding: 1, bias: true)),                  // 28 → 14, no BN on the input layer
            ("lrelu1", nn.LeakyReLU(0.2)),
            ("down2", nn.Conv2d(ndf, 2 * ndf, kernel_size: 4, stride: 2, padding: 1, bias: !batchNorm)),      // 14 → 7
        };
        if (batchNorm) layers.Add(("bn2", nn.BatchNorm2d(2 * ndf)));
        layers.Add(("lrelu2", nn.LeakyReLU(0.2)));
        layers.Add(("score", nn.Conv2d(2 * ndf, 1, kernel_size: 7, stride: 1, bias: true)));          // 7×7 → 1×1
        var sequential = nn.Sequential(layers);
        using var g = Seeds.Generator(seed);
        WeightInit.Dcgan(sequential, g);
        net = spectralNorm ? SpectralNorm.Apply(sequential, generator: g) : sequential;
        RegisterComponents();
        foreach (var sn in net.modules().OfType<SpectralNorm>()) sn.PowerIterate(100);
        this.to(device ?? Devices.Current);
    }

    /// <summary>Whether the critic has its BatchNorm layer (the DCGAN default).</summary>
    public bool HasBatchNorm { get; }

    public override Tensor forward(Tensor x)
    {
        MnistMlp.CheckImages(x, Device, GetName());
        using var scope = NewDisposeScope();
        return net.forward(x.reshape(x.shape[0], 1, 28, 28)).view(x.shape[0], 1).MoveToOuterDisposeScope();
    }
}

/// <summary>Paper defaults of the DCGAN, in one place for notebooks to quote.</summary>
public static class DcganDefaults
{
    /// <summary>
    /// Adam with lr 2e-4 and β1 = 0.5 (Radford et al. 2015, section 4: "we used the Adam optimizer with tuned
    /// hyperparameters ... learning rate of 0.001 was too high, using 0.0002 instead ... reducing [β1] to 0.5 helped
    /// stabilize training"). β2 stays at Adam's default 0.999. The GAN objective (WganCourse.Objectives) carries
    /// this as its default optimizer; this constant only documents it next to the models.
    /// </summary>
    public static Objectives.OptimizerSpec Adam => Objectives.OptimizerSpec.Adam(2e-4, 0.5, 0.999);
}

/// <summary>
/// Notebook 05's check of the DCGAN initialisation (Radford et al. 2015, section 4), stated before measuring: the
/// weights of <b>every</b> convolution have mean 0 and standard deviation 0.02 within four standard errors of a sample
/// of their size (mean: 4·0.02/√n, standard deviation: 4·0.02/√(2n)), and the BatchNorm scales, pooled, have mean 1 ±
/// 0.01. Per layer, because pooled statistics can pass by accident: with ngf = ndf = 16, PyTorch's default
/// (uniform ±1/√fan-in, a different width per layer) pools to a standard deviation of 0.0193. The test shows that
/// default fails this check.
/// </summary>
/// <param name="Layers">per convolution: weight count, mean, standard deviation.</param>
/// <param name="Scales">the number of BatchNorm scales, pooled.</param>
/// <param name="ScaleMean">their mean.</param>
public sealed record DcganInitStats(IReadOnlyList<(long N, double Mean, double Std)> Layers, long Scales, double ScaleMean)
{
    public const double Std = 0.02;

    /// <summary>How many standard errors layer i's standard deviation is from 0.02.</summary>
    public double StdErrors(int i) => Math.Abs(Layers[i].Std - Std) / (Std / Math.Sqrt(2.0 * Layers[i].N));
    /// <summary>How many standard errors layer i's mean is from 0.</summary>
    public double MeanErrors(int i) => Math.Abs(Layers[i].Mean) / (Std / Math.Sqrt(Layers[i].N));

    public bool Holds => Layers.Count > 0 && Enumerable.Range(0, Layers.Count).All(i => StdErrors(i) <= 4 && MeanErrors(i) <= 4)
                         && (Scales == 0 || Math.Abs(ScaleMean - 1) < 0.01);

    public string Summary
    {
        get
        {
            var worst = Enumerable.Range(0, Layers.Count).OrderByDescending(StdErrors).First();
            return $"{Layers.Count} convolutions; stds {string.Join(", ", Layers.Select(l => l.Std.ToString("0.0000")))}; "
                   + $"worst {StdErrors(worst):0.0} standard errors from 0.02; BatchNorm scales ({Scales}): mean {ScaleMean:0.0000}";
        }
    }

    /// <summary>Measures every convolution and pools the BatchNorm scales inside <paramref name="nets"/>.</summary>
    public static DcganInitStats Measure(params nn.Module[] nets)
    {
        using var scope = NewDisposeScope();
        var modules = nets.SelectMany(n => n.modules()).ToList();
        var layers = modules.OfType<Convolution>().Select(c =>
        {
            var w = c.weight!.detach().to_type(ScalarType.Float64);
            return (w.numel(), w.mean().item<double>(), w.std().item<double>());
        }).ToList();
        if (layers.Count == 0) throw new ArgumentException("no convolution found: DcganInitStats measures convolutional networks.");
        var g = modules.OfType<BatchNorm>().Where(b => b.weight is not null).Select(b => b.weight!.detach().flatten()).ToArray();
        var scales = g.Length == 0 ? null : cat(g).to_type(ScalarType.Float64);
        return new DcganInitStats(layers, scales?.numel() ?? 0, scales is null ? double.NaN : scales.mean().item<double>());
    }
}
