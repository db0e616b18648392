using TorchSharp;
using TorchSharp.Modules;
using WganCourse.Training;
using static TorchSharp.torch;

namespace WganCourse.Hosting;

/// <summary>
/// Floating-point operation counts of a training step, from the layer shapes (for the bench's GFLOP/s).
/// <para>The rule, stated once:</para>
/// <list type="bullet">
/// <item>Forward: a Linear, Conv2d or ConvTranspose2d layer costs its multiply-accumulates (MACs) × 2 FLOPs.
/// Linear: batch·in·out MACs. Conv2d: N·C_out·H_out·W_out·(C_in/groups)·k_h·k_w. ConvTranspose2d (every input pixel
/// scatters a k_h×k_w kernel into every output channel): N·C_in·H_in·W_in·(C_out/groups)·k_h·k_w.</item>
/// <item>Backward: 2 × the forward FLOPs (one pass of the same MACs for the gradient w.r.t. the layer's input, one for
/// the gradient w.r.t. its weights), so forward + backward ≈ 3 × forward.</item>
/// <item>Not counted: BatchNorm, activations, losses, weight clipping and optimizer updates (they cost O(activations)
/// or O(parameters), small next to the MACs of the convolutions); and the backward of a first layer whose input needs
/// no gradient is counted in full although it only computes the weight gradient. For the DCGAN at ngf = 64 the input
/// layer of D is 3 % of its MACs, so the count is within a few per cent of the work actually done.</item>
/// </list>
/// </summary>
public static class Flops
{
    /// <summary>FLOPs per multiply-accumulate.</summary>
    public const int PerMac = 2;
    /// <summary>Backward FLOPs as a multiple of forward FLOPs (input gradient + weight gradient).</summary>
    public const int BackwardFactor = 2;

    /// <summary>MACs of a Linear layer on <paramref name="batch"/> rows.</summary>
    public static long LinearMacs(long batch, long inFeatures, long outFeatures)
    {
        CheckPositive((nameof(batch), batch), (nameof(inFeatures), inFeatures), (nameof(outFeatures), outFeatures));
        return batch * inFeatures * outFeatures;
    }

    /// <summary>MACs of a Conv2d producing an <paramref name="outH"/>×<paramref name="outW"/> map.</summary>
    public static long Conv2dMacs(long batch, long inChannels, long outChannels, long kernelH, long kernelW, long outH, long outW, long groups = 1)
    {
        CheckPositive((nameof(batch), batch), (nameof(inChannels), inChannels), (nameof(outChannels), outChannels), (nameof(kernelH), kernelH),
                      (nameof(kernelW), kernelW), (nameof(outH), outH), (nameof(outW), outW), (nameof(groups), groups));
        CheckGroups(inChannels, outChannels, groups);
        return batch * outChannels * outH * outW * (inChannels / groups) * kernelH * kernelW;
    }

    /// <summary>MACs of a ConvTranspose2d reading an <paramref name="inH"/>×<paramref name="inW"/> map.</summary>
    public static long ConvTranspose2dMacs(long batch, long inChannels, long outChannels, long kernelH, long kernelW, long inH, long inW, long groups = 1)
    {
        CheckPositive((nameof(batch), batch), (nameof(inChannels), inChannels), (nameof(outChannels), outChannels), (nameof(kernelH), kernelH),
                      (nameof(kernelW), kernelW), (nameof(inH), inH), (nameof(inW), inW), (nameof(groups), groups));
        CheckGroups(inChannels, outChannels, groups);
        return batch * inChannels * inH * inW * (outChannels / groups) * kernelH * kernelW;
    }

    /// <summary>
    /// MACs of one forward pass: runs <paramref name="forward"/> (without gradients) with a hook on every Linear, Conv2d
    /// and ConvTranspose2d inside <paramref name="model"/>, and sums each layer's MACs from the shapes it saw.
    /// </summary>
    public static long ForwardMacs(nn.Module model, Action forward)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(forward);
        long total = 0;
        int layers = 0;
        var removers = new List<Action>();
        foreach (var (_, m) in model.named_modules())
        {
            Func<Tensor, Tensor, long>? count = m switch
            {
                Linear l => (x, _) => LinearMacs(x.numel() / l.in_features, l.in_features, l.out_features),
                Conv2d c => (_, y) => Conv2dMacs(y.shape[0], c.in_channels, c.out_channels, c.kernel_size[0], c.kernel_size[1], y.shape[2], y.shape[3], c.groups),
                ConvTranspose2d t => (x, _) => ConvTranspose2dMacs(x.shape[0], t.in_channels, t.out_channels, t.kernel_size[0], t.kernel_size[1], x.shape[2], x.shape[3], t.groups),
                _ => null,
            };
            if (count is null || m is not nn.Module<Tensor, Tensor> layer) continue;
            layers++;
            var handle = layer.register_forward_hook((_, x, y) => { total += count(x, y); return y; });
            removers.Add(handle.remove);
        }
        if (layers == 0)
            throw new ArgumentException($"{model.GetName()} has no Linear, Conv2d or ConvTranspose2d layer to count");
        try
        {
            using var _ = no_grad();
            using var scope = NewDisposeScope();
            forward();
        }
        finally { foreach (var remove in removers) remove(); }
        return total;
    }

    /// <summary>
    /// FLOPs of one generator step of <see cref="Trainer.Run"/> with a GAN or weight-clipped WGAN objective, from the
    /// forward MACs of G and D on one batch: every critic iteration runs G forward (no gradient), then D forward and
    /// backward on the real and on the fake batch; the generator step runs G forward, D forward, and backward through
    /// D and G. With F = 2·MACs: <c>n_critic·(F_G + 2·3·F_D) + 3·F_G + 3·F_D</c>.
    /// WGAN-GP's double backpropagation is not covered by this rule.
    /// </summary>
    public static double TrainingStepFlops(long generatorMacs, long criticMacs, int criticIterations)
    {
        CheckPositive((nameof(generatorMacs), generatorMacs), (nameof(criticMacs), criticMacs), (nameof(criticIterations), criticIterations));
        double fG = PerMac * (double)generatorMacs, fD = PerMac * (double)criticMacs;
        const int withBackward = 1 + BackwardFactor;
        return criticIterations * (fG + 2 * withBackward * fD) + withBackward * fG + withBackward * fD;
    }

    static void CheckPositive(params (string Name, long Value)[] values)
    {
        foreach (var (name, value) in values)
            if (value < 1) throw new ArgumentOutOfRangeException(name, value, $"{name} must be ≥ 1");
    }

    static void CheckGroups(long inChannels, long outChannels, long groups)
    {
        if (inChannels % groups != 0 || outChannels % groups != 0)
            throw new ArgumentException($"groups = {groups} must divide both channel counts, got in {inChannels} and out {outChannels}");
    }
}
