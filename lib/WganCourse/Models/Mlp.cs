using TorchSharp;
using TorchSharp.Modules;
using WganCourse.Runtime;
using static TorchSharp.torch;

namespace WganCourse.Models;

/// <summary>Hidden-layer nonlinearity of the MLPs.</summary>
public enum MlpActivation
{
    /// <summary>ReLU, as in the WGAN-GP toy script's G and D.</summary>
    ReLU,
    /// <summary>LeakyReLU with slope 0.2 (Radford et al.'s choice for D).</summary>
    LeakyReLU,
}

/// <summary>
/// Fully connected generators and discriminators/critics for the 1-D and 2-D toy data.
/// <c>layers</c> counts hidden layers: <c>layers: 3, hidden: 128</c> is in → 128 → 128 → 128 → out, each hidden
/// Linear followed by the activation, the last Linear without one (the layout of Gulrajani et al.'s toy script,
/// which uses 3 hidden layers of 512).
/// </summary>
public static class Mlp
{
    /// <summary>G: z ∈ R^latentDim ~ N(0, I) → x ∈ R^outDim. <paramref name="tanhOutput"/> (off by default) squashes into
    /// (−1, 1), which toy data outside that box (the ring has radius 1.414) cannot reach.</summary>
    /// <remarks><c>seed</c>: when given, the weights are drawn from a private generator with this seed (PyTorch's
    /// default distribution, <see cref="WeightInit.TorchDefault"/>), so the same seed gives the same network whatever else uses libtorch's global
    /// generator; when null, libtorch's global generator initialises them (seed it with Seeds.Set).</remarks>
    public static MlpGenerator Generator(int latentDim = 2, int outDim = 2, int hidden = 128, int layers = 3,
                                         MlpActivation activation = MlpActivation.ReLU, bool tanhOutput = false, int? seed = null)
    {
        var g = new MlpGenerator(latentDim, outDim, hidden, layers, activation, tanhOutput);
        if (seed is int s) Init(g, s);
        return g;
    }

    /// <summary>D or critic: x ∈ R^inDim → one raw score per sample (a logit for the GAN, unbounded for the WGAN).</summary>
    /// <remarks><c>seed</c>: as for <see cref="Generator"/>. <c>spectralNorm</c>: every Linear is wrapped in
    /// <see cref="SpectralNorm"/> (Miyato et al. 2018), for <see cref="Objectives.WganSn"/>; its power-iteration vectors are
    /// drawn from <c>seed</c> too and run 100 steps on the initial weights, so σ(W) is accurate from the first forward.</remarks>
    public static MlpCritic Critic(int inDim = 2, int hidden = 128, int layers = 3, MlpActivation activation = MlpActivation.ReLU, int? seed = null,
                                   bool spectralNorm = false)
    {
        using var snGenerator = spectralNorm && seed is int g ? Seeds.Generator(unchecked(g * 31 + 17)) : null;
        var d = new MlpCritic(inDim, hidden, layers, activation, spectralNorm, snGenerator);
        if (seed is int s) Init(d, s);
        foreach (var sn in d.modules().OfType<SpectralNorm>()) sn.PowerIterate(100);
        return d;
    }

    static void Init(nn.Module module, int seed)
    {
        using var generator = Seeds.Generator(seed);
        WeightInit.TorchDefault(module, generator);
    }

    internal static Sequential Stack(string name, int inDim, int outDim, int hidden, int layers, MlpActivation activation, bool tanhOutput)
    {
        if (inDim < 1) throw new ArgumentOutOfRangeException(nameof(inDim), inDim, "input dimension must be ≥ 1");
        if (outDim < 1) throw new ArgumentOutOfRangeException(nameof(outDim), outDim, "output dimension must be ≥ 1");
        if (hidden < 1) throw new ArgumentOutOfRangeException(nameof(hidden), hidden, "hidden width must be ≥ 1");
        if (layers < 0) throw new ArgumentOutOfRangeException(nameof(layers), layers, "hidden layer count must be ≥ 0");
        var modules = new List<(string, nn.Module<Tensor, Tensor>)>();
        int width = inDim;
        for (int i = 0; i < layers; i++)
        {
            modules.Add(($"linear{i}", nn.Linear(width, hidden)));
            modules.Add(($"act{i}", activation == MlpActivation.ReLU ? nn.ReLU() : nn.LeakyReLU(0.2)));
            width = hidden;
        }
        modules.Add(("out", nn.Linear(width, outDim)));
        if (tanhOutput) modules.Add(("tanh", nn.Tanh()));
        return nn.Sequential(modules);
    }

    internal static void CheckInput(Tensor x, int dim, string who, Tensor weight)
    {
        if (x.dim() != 2 || x.shape[1] != dim)
            throw new ArgumentException($"{who} expects [batch, {dim}] inputs, got [{string.Join(", ", x.shape)}]");
        if (!x.is_floating_point())
            throw new ArgumentException($"{who} expects floating-point inputs, got {x.dtype}");
        // compared by type and index (cheap: this runs on every forward of the training loop)
        if (x.device_type != weight.device_type || Math.Max(x.device_index, 0) != Math.Max(weight.device_index, 0))
            throw new ArgumentException($"{who} expects inputs on {weight.device} (where its weights are), got them on {x.device}");
    }

    internal static Linear FirstLayer(Sequential net) => net.children().OfType<Linear>().First();
}

/// <summary>The MLP generator (see <see cref="Mlp.Generator"/>).</summary>
public sealed class MlpGenerator : GeneratorNet
{
    readonly Sequential net;
    readonly Func<Tensor> firstWeight; // for the device check (a delegate, not a Module field: RegisterComponents would register a field)
    readonly int latentDim;

    public int OutDim { get; }
    public override int LatentDim => latentDim;

    internal MlpGenerator(int latentDim, int outDim, int hidden, int layers, MlpActivation activation, bool tanhOutput) : base("MlpGenerator")
    {
        this.latentDim = latentDim;
        OutDim = outDim;
        net = Mlp.Stack("G", latentDim, outDim, hidden, layers, activation, tanhOutput);
        var first = Mlp.FirstLayer(net);
        firstWeight = () => first.weight!; // read on each call: .to(device) replaces the parameter
        RegisterComponents();
    }

    public override Tensor forward(Tensor z)
    {
        Mlp.CheckInput(z, latentDim, "MLP generator", firstWeight());
        return net.forward(z);
    }
}

/// <summary>The MLP discriminator/critic (see <see cref="Mlp.Critic"/>). Output shape [batch, 1].</summary>
public sealed class MlpCritic : CriticNet
{
    readonly Sequential net;
    readonly Func<Tensor> firstWeight; // for the device check (a delegate, not a Module field: RegisterComponents would register a field)

    public int InDim { get; }

    internal MlpCritic(int inDim, int hidden, int layers, MlpActivation activation, bool spectralNorm = false, torch.Generator? snGenerator = null,
                       Action<nn.Module>? init = null) : base("MlpCritic")
    {
        InDim = inDim;
        IsSpectrallyNormalised = spectralNorm;
        net = Mlp.Stack("D", inDim, 1, hidden, layers, activation, tanhOutput: false);
        init?.Invoke(net); // before SN wraps the layers: the toy critic's order
        var first = Mlp.FirstLayer(net); // taken before SN wraps it; SN shares the Linear's parameters
        firstWeight = () => first.weight!; // read on each call: .to(device) replaces the parameter
        if (spectralNorm) net = SpectralNorm.Apply(net, generator: snGenerator);
        RegisterComponents();
    }

    /// <summary>True when every Linear is spectrally normalised (<see cref="Mlp.Critic"/> with <c>spectralNorm: true</c>).</summary>
    public bool IsSpectrallyNormalised { get; }

    public override Tensor forward(Tensor x)
    {
        Mlp.CheckInput(x, InDim, "MLP critic", firstWeight());
        return net.forward(x);
    }
}
