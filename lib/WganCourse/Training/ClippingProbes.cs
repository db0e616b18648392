using System.Diagnostics;
using TorchSharp;
using TorchSharp.Modules;
using WganCourse.Data;
using WganCourse.Models;
using WganCourse.Objectives;
using static TorchSharp.torch;

namespace WganCourse.Training;

/// <summary>A histogram of critic weights (see <see cref="ClippingProbes.Histogram"/>).</summary>
/// <param name="Edges">Bin edges, Counts.Length + 1 of them, symmetric around 0.</param>
/// <param name="Counts">Weights per bin (the last bin includes its right edge).</param>
/// <param name="Bound">The reference bound b: the clipping c for a clipped critic, else max |w|.</param>
/// <param name="FractionNearBound">Fraction of weights with |w| ≥ (1 − tolerance)·b, i.e. within 1 % (by default) of ±b.</param>
/// <param name="MaxAbs">max |w|.</param>
/// <param name="Total">Number of weights.</param>
public sealed record WeightHistogram(double[] Edges, long[] Counts, double Bound, double FractionNearBound, double MaxAbs, long Total);

/// <summary>Per-layer gradient norms of a deep critic (see <see cref="ClippingProbes.DeepCriticGradients"/>).</summary>
/// <param name="Method">Objective name and clip, e.g. "WGAN c=0.01" or "WGAN-GP".</param>
/// <param name="Clip">c for weight clipping, null for other objectives.</param>
/// <param name="WeightGradients">‖∂L/∂W_l‖ for the Linear layers l = 1 (input side) … depth (output).</param>
/// <param name="ActivationGradients">‖∂L/∂h_l‖ for the input of each Linear layer, l = 1 (the data x) … depth,
/// i.e. the signal backpropagated through successive layers (what Gulrajani et al. plot in Figure 1b).</param>
/// <param name="Steps">Critic steps trained before measuring.</param>
/// <param name="Seconds">Wall time of the training.</param>
public sealed record LayerGradientNorms(string Method, double? Clip, double[] WeightGradients, double[] ActivationGradients, int Steps, double Seconds)
{
    /// <summary>log10 of (norm at the input layer / norm at the output layer) of the activation gradients: &gt; 0 exploding
    /// towards the input, &lt; 0 vanishing; −∞ when the input-side gradient underflowed to exactly 0 in float32.</summary>
    public double ActivationLog10Ratio => Math.Log10(ActivationGradients[0] / ActivationGradients[^1]);

}

/// <summary>
/// Probes of the weight-clipping pathologies of Gulrajani et al. 2017, §3: clipped weights pile up at ±c, and in a
/// deep critic the gradients explode (large c) or vanish (small c) through the layers, while the gradient penalty
/// keeps them in range. Returns data for the notebook to plot.
/// </summary>
public static class ClippingProbes
{
    /// <summary>
    /// Histogram of all the critic's parameters flattened (weights and, unless <paramref name="weightsOnly"/>, biases,
    /// since the WGAN code clips both) over [−R, R] with R = max(bound, max |w|), and the fraction within
    /// <paramref name="tolerance"/> (1 %) of ±bound.
    /// </summary>
    /// <param name="critic">The critic.</param>
    /// <param name="bound">The clipping c; when null, max |w| (so an unclipped critic is measured against its own extreme).</param>
    /// <param name="bins">Number of bins (even numbers keep 0 on an edge).</param>
    /// <param name="weightsOnly">Only parameters named "weight" (Linear/Conv kernels).</param>
    /// <param name="tolerance">Relative distance to ±bound that counts as "at the bound".</param>
    public static WeightHistogram Histogram(nn.Module critic, double? bound = null, int bins = 50, bool weightsOnly = false, double tolerance = 0.01)
    {
        ArgumentNullException.ThrowIfNull(critic);
        if (bins < 1) throw new ArgumentOutOfRangeException(nameof(bins), bins, "need at least one bin");
        if (bound is not null && !(bound > 0)) throw new ArgumentOutOfRangeException(nameof(bound), bound, "the bound must be positive");
        if (!(tolerance >= 0 && tolerance < 1)) throw new ArgumentOutOfRangeException(nameof(tolerance), tolerance, "tolerance must lie in [0, 1)");
        var values = critic.named_parameters()
            .Where(p => !weightsOnly || p.name.Split('.').Last() == "weight")
            .SelectMany(p =>
            {
                using var _ = no_grad();
                using var flat = p.parameter.detach().reshape(-1).to_type(float64).cpu();
                return flat.data<double>().ToArray();
            }).ToArray();
        if (values.Length == 0) throw new ArgumentException($"{critic.GetName()} has no {(weightsOnly ? "weight " : "")}parameters");
        double maxAbs = values.Max(Math.Abs);
        double b = bound ?? maxAbs;
        double range = Math.Max(b, maxAbs);
        if (range == 0) range = 1;
        var edges = Enumerable.Range(0, bins + 1).Select(i => -range + 2 * range * i / bins).ToArray();
        var counts = new long[bins];
        long near = 0;
        foreach (var v in values)
        {
            int k = (int)Math.Floor((v + range) / (2 * range) * bins);
            counts[Math.Clamp(k, 0, bins - 1)]++;
            if (Math.Abs(v) >= (1 - tolerance) * b) near++;
        }
        return new WeightHistogram(edges, counts, b, near / (double)values.Length, maxAbs, values.Length);
    }

    /// <summary>
    /// Per-layer norms of the gradient of the WGAN critic loss L = E[f(fake)] − E[f(real)] on one batch: ‖∂L/∂W_l‖
    /// for each Linear layer's weight and ‖∂L/∂h_l‖ for each layer's input (real and fake halves together, by
    /// <see cref="LayerInputGradients"/>), l = 1 at the input. A gradient that underflows to exactly 0 in float32 is
    /// reported as 0.
    /// </summary>
    public static (double[] WeightGradients, double[] ActivationGradients) GradientNorms(DeepCritic critic, Tensor real, Tensor fake)
    {
        ArgumentNullException.ThrowIfNull(critic);
        if (!real.shape.SequenceEqual(fake.shape)) throw new ArgumentException($"real and fake batches must have the same shape, got [{string.Join(", ", real.shape)}] and [{string.Join(", ", fake.shape)}]");
        return (WeightGradients(critic, real, fake), LayerInputGradients(critic, real, fake));
    }

    static double[] WeightGradients(DeepCritic critic, Tensor real, Tensor fake)
    {
        using var scope = NewDisposeScope();
        using var enable = enable_grad();
        var loss = critic.call(fake).mean() - critic.call(real).mean();
        var grads = autograd.grad(new[] { loss }, critic.Layers.Select(l => (Tensor)l.weight).ToArray(), allow_unused: true);
        return grads.Select(g => g is null ? 0 : g.to_type(float64).norm().item<double>()).ToArray();
    }

    /// <summary>
    /// ‖∂L/∂h_l‖ of the WGAN critic loss L = E[f(fake)] − E[f(real)] on one batch, for the input h_l of each layer
    /// (l = 1 is the data), the real and fake halves as one [2·batch, width] activation: what Gulrajani et al. plot in
    /// Figure 1b. Notebook 08 shows these lines as a cell of its own and passes it to <see cref="DeepCriticGradients"/>;
    /// a unit test holds the two copies equal.
    /// </summary>
    // ---- layer probe (notebook 08) ----
    // ‖∂L/∂h_ℓ‖ for the input h_ℓ of every layer ℓ (h_1 = x), L = mean f(fake) − mean f(real) on one
    // batch: the signal backpropagation carries from the critic's output back towards the data.
    public static double[] LayerInputGradients(DeepCritic f, torch.Tensor real, torch.Tensor fake)
    {
        using var scope = torch.NewDisposeScope();
        using var enable = torch.enable_grad();
        var (outReal, hReal) = f.ForwardWithInputs(real.detach().requires_grad_(true));
        var (outFake, hFake) = f.ForwardWithInputs(fake.detach().requires_grad_(true));
        var loss = outFake.mean() - outReal.mean();        // the WGAN critic loss, without a penalty
        var grads = torch.autograd.grad(new[] { loss }, hReal.Concat(hFake).ToArray());
        var squares = grads.Select(g => g.to_type(torch.float64).square().sum()).ToArray();
        return Enumerable.Range(0, f.Depth)              // real and fake halves as one activation
            .Select(l => (squares[l] + squares[f.Depth + l]).sqrt().item<double>()).ToArray();
    }
    // ---- end of layer probe ----

    /// <summary>
    /// Trains a <see cref="DeepCritic"/> (12 ReLU layers by default) for <paramref name="steps"/> critic steps with
    /// <paramref name="objective"/> (WganClip with some c, or WganGp), then averages over <paramref name="probeBatches"/>
    /// fresh batches the per-layer norms of the gradient of the WGAN critic loss E[f(x̃)] − E[f(x)] (without the penalty
    /// term, so all methods are measured on the same quantity) w.r.t. each layer's weights and each layer's input.
    /// <para>Deviation from Gulrajani et al. (who train a full WGAN on the Swiss roll): only the critic is trained, with
    /// the Swiss roll as real data and a fixed fake distribution (default N(0, I) in 2-D, i.e. an untrained generator's
    /// output). The pathology is a property of the clipped critic, which this isolates.</para>
    /// <para>The activation-gradient norms of each probe batch come from <c>probe</c> (default
    /// <see cref="LayerInputGradients"/>; notebook 08 passes its own copy of it).</para>
    /// </summary>
    public static LayerGradientNorms DeepCriticGradients(Objective objective, int steps, int depth = 12, int width = 128,
        IToyDistribution? real = null, IToyDistribution? fake = null, int batch = 256, int probeBatches = 4,
        int seed = Runtime.Seeds.Default, Device? device = null, Func<DeepCritic, Tensor, Tensor, double[]>? probe = null)
    {
        ArgumentNullException.ThrowIfNull(objective);
        if (steps < 0 || batch < 1 || probeBatches < 1) throw new ArgumentOutOfRangeException(nameof(steps), $"need steps ≥ 0, batch ≥ 1, probeBatches ≥ 1; got {steps}, {batch}, {probeBatches}");
        real ??= Toy.SwissRoll();
        fake ??= new GaussianMixture("N(0, I)", new[] { new double[real.Dim] }, new[] { 1.0 });
        if (real.Dim != fake.Dim) throw new ArgumentException($"real and fake must have the same dimension, got {real.Dim} and {fake.Dim}");
        var critic = new DeepCritic(real.Dim, depth, width);
        WeightInit.TorchDefaultFloat64(critic, seed);
        critic.to(device ?? Runtime.Devices.Current);
        // Clip once before training, as if the first critic step had happened, so c = 0.001 starts inside its box.
        objective.AfterCriticStep(critic);
        double seconds = KantorovichRubinstein.TrainCritic(critic, real, fake,
            (f, x, y) => objective.CriticLoss((t, _) => f.call(t), x, y, null), objective.AfterCriticStep, objective.CriticOptimizer,
            steps, batch, seed, null);

        var dev = critic.Device;
        var gen = Runtime.Seeds.Generator(seed + 11);
        var weightSums = new double[depth];
        var activationSums = new double[depth];
        for (int b = 0; b < probeBatches; b++)
        {
            Runtime.Stop.ThrowIfRequested("Layer-gradient probe", b, probeBatches);
            using var scope = NewDisposeScope();
            var (x, y) = (real.Sample(batch, gen).to(dev), fake.Sample(batch, gen).to(dev));
            var w = WeightGradients(critic, x, y);
            var a = (probe ?? LayerInputGradients)(critic, x, y);
            for (int l = 0; l < depth; l++) { weightSums[l] += w[l]; activationSums[l] += a[l]; }
        }
        string method = objective is WganClip clip ? $"{objective.Name} c={clip.Clip:G3}" : objective.Name;
        return new LayerGradientNorms(method, (objective as WganClip)?.Clip,
            weightSums.Select(s => s / probeBatches).ToArray(), activationSums.Select(s => s / probeBatches).ToArray(), steps, seconds);
    }
}
