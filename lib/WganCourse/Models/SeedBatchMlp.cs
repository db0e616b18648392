using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace WganCourse.Models;

/// <summary>
/// K copies of one of the course's toy MLPs (<see cref="Mlp.Generator"/> or <see cref="Mlp.Critic"/>) held as ONE
/// module, so that K seeds train for little more than the price of one on a CPU, where the toy networks' cost is the
/// per-call overhead of libtorch, not arithmetic. Layer i keeps the K weight matrices stacked, <c>w_i</c> of shape
/// [K, in, out], and the biases <c>b_i</c> [K, 1, out]; the forward pass maps [K, n, in] to [K, n, out] with one
/// <c>bmm</c> and a broadcast bias per layer, so copy k's outputs depend on copy k's weights and inputs only. Copy k starts as the
/// network <see cref="Mlp"/> builds from seed k (its weights are copied from it, spectral-norm vectors included), so
/// a batch starts exactly where the K single runs start.
/// </summary>
public sealed class SeedBatchMlp : nn.Module<Tensor, Tensor>
{
    const double Eps = 1e-12; // as in SpectralNorm
    readonly int layerCount;
    readonly MlpActivation activation;
    readonly bool tanhOutput;

    /// <summary>Number of copies K.</summary>
    public int Copies { get; }
    /// <summary>Input width (latent dimension for G, data dimension for D).</summary>
    public int InDim { get; }
    /// <summary>Output width (data dimension for G, 1 for D).</summary>
    public int OutDim { get; }
    /// <summary>True when every layer is spectrally normalised per copy (Miyato et al. 2018, one power-iteration step
    /// per training forward, as <see cref="SpectralNorm"/> does for one network).</summary>
    public bool IsSpectrallyNormalised { get; }

    SeedBatchMlp(IReadOnlyList<nn.Module> singles, MlpActivation activation, bool tanhOutput, bool spectralNorm) : base("SeedBatchMlp")
    {
        Copies = singles.Count;
        this.activation = activation;
        this.tanhOutput = tanhOutput;
        IsSpectrallyNormalised = spectralNorm;
        var linears = singles.Select(m => m.modules().OfType<Linear>().ToList()).ToList();
        layerCount = linears[0].Count;
        if (linears.Any(l => l.Count != layerCount)) throw new ArgumentException("all copies must have the same architecture");
        InDim = (int)linears[0][0].weight!.shape[1];
        OutDim = (int)linears[0][^1].weight!.shape[0];
        using var _ = no_grad();
        for (int i = 0; i < layerCount; i++)
        {
            // Linear keeps W as [out, in] and computes x Wᵀ; the stack keeps Wᵀ, [K, in, out], for baddbmm(b, x, w).
            var w = stack(linears.Select(l => l[i].weight!.detach().t()).ToArray()).contiguous();
            var b = stack(linears.Select(l => l[i].bias!.detach().unsqueeze(0)).ToArray()).contiguous();
            register_parameter($"w{i}", new Parameter(w));
            register_parameter($"b{i}", new Parameter(b));
        }
        if (spectralNorm)
        {
            var sns = singles.Select(m => m.modules().OfType<SpectralNorm>().ToList()).ToList();
            if (sns.Any(s => s.Count != layerCount))
                throw new ArgumentException("spectralNorm: every copy must come from a spectrally normalised critic (Mlp.Critic(..., spectralNorm: true))");
            for (int i = 0; i < layerCount; i++)
            {
                register_buffer($"u{i}", stack(sns.Select(s => Buffer(s[i], "u")).ToArray()).contiguous()); // [K, out]
                register_buffer($"v{i}", stack(sns.Select(s => Buffer(s[i], "v")).ToArray()).contiguous()); // [K, in]
            }
        }
    }

    static Tensor Buffer(SpectralNorm sn, string name) => sn.named_buffers().First(b => b.name == name).buffer.detach().clone();

    /// <summary>K generators, copy k built by <see cref="Mlp.Generator"/> with seed <c>seeds[k]</c>.</summary>
    public static SeedBatchMlp Generators(IReadOnlyList<int> seeds, int latentDim = 2, int outDim = 2, int hidden = 128, int layers = 3,
                                          MlpActivation activation = MlpActivation.ReLU, bool tanhOutput = false)
    {
        CheckSeeds(seeds);
        var singles = seeds.Select(s => (nn.Module)Mlp.Generator(latentDim, outDim, hidden, layers, activation, tanhOutput, seed: s)).ToList();
        try { return new SeedBatchMlp(singles, activation, tanhOutput, spectralNorm: false); }
        finally { foreach (var m in singles) m.Dispose(); }
    }

    /// <summary><paramref name="copies"/> critics that all start from the same weights, those of
    /// <c>Mlp.Critic(inDim, hidden, layers, seed: seed)</c>: fresh probes that must differ only in what they read
    /// (notebook 07's freeze and probe). Copy k then trains on its own loss like any other copy.</summary>
    public static SeedBatchMlp CriticReplicas(int seed, int copies, int inDim = 2, int hidden = 128, int layers = 3)
    {
        if (copies < 1) throw new ArgumentOutOfRangeException(nameof(copies), copies, "need at least one copy");
        using var single = Mlp.Critic(inDim, hidden, layers, seed: seed);
        return new SeedBatchMlp(Enumerable.Repeat((nn.Module)single, copies).ToList(), MlpActivation.ReLU,
                                tanhOutput: false, spectralNorm: false);
    }

    /// <summary>K critics/discriminators, copy k built by <see cref="Mlp.Critic"/> with seed <c>seeds[k]</c> (spectral
    /// normalisation included, with that critic's power-iteration vectors).</summary>
    public static SeedBatchMlp Critics(IReadOnlyList<int> seeds, int inDim = 2, int hidden = 128, int layers = 3,
                                       MlpActivation activation = MlpActivation.ReLU, bool spectralNorm = false)
    {
        CheckSeeds(seeds);
        var singles = seeds.Select(s => (nn.Module)Mlp.Critic(inDim, hidden, layers, activation, seed: s, spectralNorm: spectralNorm)).ToList();
        try { return new SeedBatchMlp(singles, activation, tanhOutput: false, spectralNorm); }
        finally { foreach (var m in singles) m.Dispose(); }
    }

    static void CheckSeeds(IReadOnlyList<int> seeds)
    {
        ArgumentNullException.ThrowIfNull(seeds);
        if (seeds.Count < 1) throw new ArgumentException("a seed batch needs at least one seed", nameof(seeds));
        if (seeds.Distinct().Count() != seeds.Count)
            throw new ArgumentException($"the seeds must differ (got {string.Join(", ", seeds)}): equal seeds give identical copies", nameof(seeds));
    }

    Parameter W(int i) => get_parameter($"w{i}")!;
    Parameter B(int i) => get_parameter($"b{i}")!;

    /// <summary>[K, n, InDim] → [K, n, OutDim]; copy k maps x[k] with its own weights.</summary>
    public override Tensor forward(Tensor x)
    {
        var w0 = W(0);
        if (x.dim() != 3 || x.shape[0] != Copies || x.shape[2] != InDim)
            throw new ArgumentException($"a batch of {Copies} copies expects inputs [{Copies}, n, {InDim}] (one slice per copy), got [{string.Join(", ", x.shape)}]; " +
                                        $"stack the copies' batches with torch.stack(..., 0)");
        if (!x.is_floating_point()) throw new ArgumentException($"expected floating-point inputs, got {x.dtype}");
        if (x.device_type != w0.device_type)
            throw new ArgumentException($"expected inputs on {w0.device} (where the weights are), got them on {x.device}");
        using var scope = NewDisposeScope();
        var h = x;
        for (int i = 0; i < layerCount; i++)
        {
            Tensor w = W(i);
            if (IsSpectrallyNormalised) w = w / SpectralSigma(i).view(Copies, 1, 1);
            h = bmm(h, w).add_(B(i)); // TorchSharp 0.107 baddbmm(input, b1, b2) did not broadcast a [K, 1, out] input

            if (i < layerCount - 1) h = activation == MlpActivation.ReLU ? nn.functional.relu(h) : nn.functional.leaky_relu(h, 0.2);
        }
        if (tanhOutput) h = tanh(h);
        return h.MoveToOuterDisposeScope();
    }

    /// <summary>σ̂ of layer i for every copy, [K]: one power-iteration step first when training (as <see cref="SpectralNorm"/>).
    /// The gradient flows through W, with u and v constants.</summary>
    Tensor SpectralSigma(int i)
    {
        var w = W(i); // [K, in, out]; copy k's matrix M_k = w[k]ᵀ, [out, in]
        var u = get_buffer($"u{i}")!;
        var v = get_buffer($"v{i}")!;
        if (training)
        {
            using var _ = no_grad();
            using var inner = NewDisposeScope();
            v.copy_(nn.functional.normalize(bmm(w, u.unsqueeze(2)).squeeze(2), dim: 1, eps: Eps));   // Mᵀu
            u.copy_(nn.functional.normalize(bmm(v.unsqueeze(1), w).squeeze(1), dim: 1, eps: Eps));   // M v
        }
        return (u.clone() * bmm(v.clone().unsqueeze(1), w).squeeze(1)).sum(1);                       // uᵀ M v
    }

    /// <summary>The exact largest singular value of each copy's normalised layer i (SVD, no update), [K] as doubles.</summary>
    public double[] NormalisedSpectralNorms(int i)
    {
        if (i < 0 || i >= layerCount) throw new ArgumentOutOfRangeException(nameof(i), i, $"layers are 0 … {layerCount - 1}");
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        Tensor w = W(i).detach();
        if (IsSpectrallyNormalised)
        {
            var u = get_buffer($"u{i}")!;
            var v = get_buffer($"v{i}")!;
            w = w / (u * bmm(v.unsqueeze(1), w).squeeze(1)).sum(1).view(Copies, 1, 1);
        }
        return linalg.svdvals(w.to_type(float64)).select(1, 0).data<double>().ToArray();
    }

    /// <summary>‖∇ₓ f_k(x)‖₂ for every copy k and sample of x [K, n, InDim], shape [K, n], detached (a probe: e.g. a
    /// spectrally normalised critic is at most 1-Lipschitz, so none of these may exceed 1 by more than σ̂'s error).
    /// For a critic batch (OutDim 1); the module's train/eval mode is left as it is.</summary>
    public Tensor InputGradientNorms(Tensor x)
    {
        if (OutDim != 1) throw new InvalidOperationException($"input-gradient norms need one score per sample; this batch outputs {OutDim}");
        using var scope = NewDisposeScope();
        using var enable = enable_grad();
        var input = x.detach().clone().requires_grad_(true);
        var scores = call(input);
        // each score depends only on its own sample (and copy), so the gradient of the sum holds every per-sample gradient
        var grad = autograd.grad(new[] { scores.sum() }, new[] { input })[0];
        return grad.norm(dim: 2).detach().MoveToOuterDisposeScope();
    }

    /// <summary>Number of Linear layers per copy.</summary>
    public int Layers => layerCount;

    /// <summary>The width of the hidden layers (the output width of the first linear layer).</summary>
    public int Hidden => (int)W(0).shape[2];

    /// <summary>Copy k as an ordinary <see cref="MlpGenerator"/> (for a generator batch; no spectral norm): the same
    /// weights, for plots and for checking a copy against a single network.</summary>
    public MlpGenerator CopyAsGenerator(int k, int hidden, int layers = 3)
    {
        var g = KeepingGlobalRng(() => Mlp.Generator(InDim, OutDim, hidden, layers, activation, tanhOutput));
        CopyInto(g, k);
        return g;
    }

    // Building a module draws its default initialisation from the global generator, which training also draws from
    // (WGAN-GP's ε); CopyInto overwrites every weight, so the draw is undone: copying a network out in the middle of a
    // run (SeedBatchOptions.FreezeAt) must not change the run.
    static T KeepingGlobalRng<T>(Func<T> make)
    {
        using var state = get_rng_state();
        var made = make();
        set_rng_state(state);
        return made;
    }

    /// <summary>Copy k as an ordinary <see cref="MlpCritic"/> (only for a critic batch without spectral norm).</summary>
    public MlpCritic CopyAsCritic(int k, int hidden, int layers = 3)
    {
        if (IsSpectrallyNormalised) throw new InvalidOperationException("CopyAsCritic: a spectrally normalised copy has no single-network twin with the same u, v; use the batch itself");
        var d = KeepingGlobalRng(() => Mlp.Critic(InDim, hidden, layers, activation));
        CopyInto(d, k);
        return d;
    }

    void CopyInto(nn.Module target, int k)
    {
        if (k < 0 || k >= Copies) throw new ArgumentOutOfRangeException(nameof(k), k, $"copies are 0 … {Copies - 1}");
        var linears = target.modules().OfType<Linear>().ToList();
        if (linears.Count != layerCount || linears[0].weight!.shape[1] != InDim || linears[^1].weight!.shape[0] != OutDim)
            throw new ArgumentException($"the single network's layout does not match the batch ({layerCount} layers, {InDim} → {OutDim}): pass the batch's hidden width and layer count");
        using var _ = no_grad();
        for (int i = 0; i < layerCount; i++)
        {
            if (!linears[i].weight!.shape.SequenceEqual(new[] { W(i).shape[2], W(i).shape[1] }))
                throw new ArgumentException($"layer {i}: the single network has [{string.Join(", ", linears[i].weight!.shape)}], the batch [{W(i).shape[2]}, {W(i).shape[1]}]");
            linears[i].weight!.copy_(W(i)[k].t());
            linears[i].bias!.copy_(B(i)[k, 0]);
        }
    }
}
