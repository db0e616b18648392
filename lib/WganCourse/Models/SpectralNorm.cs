using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace WganCourse.Models;

/// <summary>
/// Spectral normalisation (Miyato et al. 2018): a Linear or Conv2d layer whose weight is divided by its largest
/// singular value σ(W), so the layer is 1-Lipschitz (for ReLU/LeakyReLU critics the whole critic is then
/// 1-Lipschitz up to the product bound). σ(W) is estimated by power iteration, one step per training forward
/// (their Algorithm 1): v ← Wᵀu/‖Wᵀu‖, u ← Wv/‖Wv‖, σ ≈ uᵀWv, with u and v kept as buffers between steps and
/// treated as constants in the gradient (as in the paper). In eval mode u and v are not updated.
/// A conv kernel [out, in, kh, kw] is normalised as the matrix [out, in·kh·kw], as in the paper (this bounds the
/// reshaped kernel, not exactly the convolution operator's norm).
/// The wrapped layer keeps its own parameters (named "layer.weight", "layer.bias"), so optimizers, clipping and
/// state dicts see the same parameters as without the wrapper.
/// </summary>
public sealed class SpectralNorm : nn.Module<Tensor, Tensor>
{
    const double Eps = 1e-12;
    readonly nn.Module<Tensor, Tensor> layer; // registered as the submodule "layer"
    readonly long[]? stride, padding, dilation;  // conv hyper-parameters (null for Linear)
    readonly long groups = 1;

    /// <summary>Power-iteration steps per training forward (1 in the paper).</summary>
    public int PowerIterations { get; }

    SpectralNorm(nn.Module<Tensor, Tensor> layer, Conv2d? conv, int powerIterations, Generator? generator) : base("SpectralNorm")
    {
        if (powerIterations < 1) throw new ArgumentOutOfRangeException(nameof(powerIterations), powerIterations, "at least one power iteration per forward");
        this.layer = layer;
        if (conv is not null) (stride, padding, dilation, groups) = (conv.stride, conv.padding, conv.dilation, conv.groups);
        PowerIterations = powerIterations;
        RegisterComponents();
        var w = Weight;
        long rows = w.shape[0], cols = w.numel() / rows;
        using (no_grad())
        {
            // u ~ N(0, I) normalised, as in the paper; v follows from one half step.
            var u = randn(new long[] { rows }, dtype: float64, generator: generator).to(w.dtype).to(w.device);
            register_buffer("u", nn.functional.normalize(u, dim: 0, eps: Eps));
            register_buffer("v", zeros(cols, dtype: w.dtype, device: w.device));
            using var m = w.reshape(rows, cols);
            using var v = nn.functional.normalize(m.t().mv(U), dim: 0, eps: Eps);
            V.copy_(v);
        }
    }

    /// <summary>Wraps a Linear layer (its weight [out, in] is the matrix normalised).</summary>
    public static SpectralNorm Linear(Linear layer, int powerIterations = 1, Generator? generator = null) =>
        new(layer ?? throw new ArgumentNullException(nameof(layer)), null, powerIterations, generator);

    /// <summary>Wraps a Conv2d layer with zero padding and explicit padding sizes.</summary>
    public static SpectralNorm Conv2d(Conv2d layer, int powerIterations = 1, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(layer);
        if (layer.padding_mode != PaddingModes.Zeros || layer.padding_type is not null)
            throw new ArgumentException($"SpectralNorm.Conv2d supports zero padding given as sizes, got padding_mode {layer.padding_mode}, padding_type {layer.padding_type}");
        return new(layer, layer, powerIterations, generator);
    }

    /// <summary>
    /// A copy of a Sequential critic in which every Linear and Conv2d (also inside nested Sequentials) is wrapped in
    /// spectral normalisation; other modules are reused as they are. The wrapped layers share their parameters with
    /// the original, so build the critic, apply this, and train only the returned module.
    /// </summary>
    public static Sequential Apply(Sequential critic, int powerIterations = 1, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(critic);
        var children = critic.named_children().Select(c => (c.name, Wrap(c.module, powerIterations, generator))).ToArray();
        if (!children.Any(c => c.Item2 is SpectralNorm || c.Item2 is Sequential s && s.modules().OfType<SpectralNorm>().Any()))
            throw new ArgumentException("the critic has no Linear or Conv2d layer to normalise");
        return nn.Sequential(children);
    }

    static nn.Module<Tensor, Tensor> Wrap(nn.Module module, int powerIterations, Generator? generator) => module switch
    {
        Linear l => Linear(l, powerIterations, generator),
        Conv2d c => Conv2d(c, powerIterations, generator),
        Sequential s => nn.Sequential(s.named_children().Select(c => (c.name, Wrap(c.module, powerIterations, generator))).ToArray()),
        SpectralNorm sn => sn,
        nn.Module<Tensor, Tensor> m => m,
        _ => throw new ArgumentException($"cannot place module {module.GetName()} ({module.GetType().Name}) in a Sequential critic"),
    };

    /// <summary>The wrapped layer's raw weight W (a parameter).</summary>
    public Parameter Weight => layer is Linear l ? l.weight : ((Conv2d)layer).weight;

    Tensor? Bias => layer is Linear l ? l.bias : ((Conv2d)layer).bias;

    Tensor U => get_buffer("u")!;
    Tensor V => get_buffer("v")!;

    /// <summary>The current estimate σ = uᵀ W v of the largest singular value (no update).</summary>
    public double Sigma
    {
        get
        {
            using var _ = no_grad();
            using var scope = NewDisposeScope();
            return SigmaTensor().to_type(float64).item<double>();
        }
    }

    Tensor SigmaTensor()
    {
        var w = Weight;
        return U.dot(w.reshape(w.shape[0], -1).mv(V));
    }

    /// <summary>Runs <paramref name="steps"/> power-iteration steps on the current weight (updates u and v; no gradient).</summary>
    public void PowerIterate(int steps)
    {
        if (steps < 0) throw new ArgumentOutOfRangeException(nameof(steps), steps, "steps must be ≥ 0");
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var w = Weight;
        var m = w.reshape(w.shape[0], -1);
        var u = U;
        var v = V;
        for (int k = 0; k < steps; k++)
        {
            v.copy_(nn.functional.normalize(m.t().mv(u), dim: 0, eps: Eps));
            u.copy_(nn.functional.normalize(m.mv(v), dim: 0, eps: Eps));
        }
    }

    /// <summary>W / σ with the current u, v (no update), detached: what the layer multiplies by.</summary>
    public Tensor NormalisedWeight()
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        return (Weight / SigmaTensor()).MoveToOuterDisposeScope();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        if (training) PowerIterate(PowerIterations);
        // Gradient flows through W in both W and σ(W) = uᵀWv; u, v are constants. They are cloned because the next
        // forward (e.g. on the real batch after the fake one) updates the buffers in place, which would invalidate
        // the saved tensors of this forward's graph.
        Tensor raw = Weight;
        var sigma = U.clone().dot(raw.reshape(raw.shape[0], -1).mv(V.clone()));
        var w = raw / sigma;
        var output = stride is null
            ? nn.functional.linear(input, w, Bias)
            : nn.functional.conv2d(input, w, Bias, stride, padding, dilation!, groups);
        return output.MoveToOuterDisposeScope();
    }

    /// <summary>The exact largest singular value of a matrix (or of a kernel reshaped to [out, rest]), by SVD.</summary>
    public static double LargestSingularValue(Tensor weight)
    {
        if (weight.dim() < 2) throw new ArgumentException($"expected a matrix or a kernel, got shape [{string.Join(", ", weight.shape)}]", nameof(weight));
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        return linalg.svdvals(weight.detach().reshape(weight.shape[0], -1).to_type(float64))[0].item<double>();
    }
}
