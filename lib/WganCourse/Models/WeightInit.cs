using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace WganCourse.Models;

/// <summary>
/// Seeded weight initialisation. Modules draw their weights from libtorch's global generator when they are built;
/// re-drawing them from a private <see cref="Generator"/> makes "same seed → same network" hold without touching
/// the global stream that training uses.
/// (TorchSharp 0.107's nn.init.normal_ / uniform_ ignore their generator argument, so the tensor methods
/// normal_ / uniform_ are used; the tests check that the same seed gives the same weights.)
/// </summary>
public static class WeightInit
{
    /// <summary>
    /// Radford et al. 2015 (DCGAN), section 4: "All weights were initialized from a zero-centered Normal distribution
    /// with standard deviation 0.02." Convolution and linear weights ~ N(0, 0.02), their biases 0; BatchNorm scale
    /// ~ N(1, 0.02) and shift 0 (the paper's reference PyTorch code does the same for BatchNorm).
    /// </summary>
    public static void Dcgan(nn.Module module, Generator generator)
    {
        using var _ = no_grad();
        foreach (var m in module.modules())
        {
            switch (m)
            {
                case Convolution c:
                    c.weight.normal_(0.0, 0.02, generator);
                    if (c.bias is not null) c.bias.zero_();
                    break;
                case Linear l:
                    l.weight.normal_(0.0, 0.02, generator);
                    if (l.bias is not null) l.bias.zero_();
                    break;
                case BatchNorm b:
                    if (b.weight is not null) b.weight.normal_(1.0, 0.02, generator);
                    if (b.bias is not null) b.bias.zero_();
                    break;
            }
        }
    }

    /// <summary>
    /// PyTorch's default for linear and convolution layers (kaiming_uniform with a = √5, which is
    /// U(−1/√fan_in, 1/√fan_in), and the same bound for the bias), drawn from <paramref name="generator"/>.
    /// </summary>
    public static void TorchDefault(nn.Module module, Generator generator)
    {
        using var _ = no_grad();
        foreach (var m in module.modules())
        {
            (Tensor w, Tensor? b) = m switch
            {
                Linear l => (l.weight, (Tensor?)l.bias),
                Convolution c => (c.weight, (Tensor?)c.bias),
                _ => (null!, null),
            };
            if (w is null) continue;
            // fan_in of a weight [out, in, k...] (transposed convolutions store [in, out, k...], and PyTorch uses dim 1 there too)
            long fanIn = w.shape[1] * w.shape.Skip(2).Aggregate(1L, (a, s) => a * s);
            double bound = 1.0 / Math.Sqrt(fanIn);
            w.uniform_(-bound, bound, generator);
            if (b is not null) b.uniform_(-bound, bound, generator);
        }
    }

    /// <summary>
    /// The same U(−1/√fan_in, 1/√fan_in) for every Linear's weight and bias, drawn in float64 from a generator seeded
    /// with <paramref name="seed"/> and rounded to the parameter's dtype. Other numbers than <see cref="TorchDefault"/>
    /// for the same seed: the toy critics (notebooks 06–08) and the deep probe critic were measured with this draw.
    /// </summary>
    public static void TorchDefaultFloat64(nn.Module module, int seed)
    {
        ArgumentNullException.ThrowIfNull(module);
        var gen = Runtime.Seeds.Generator(seed);
        using var _ = no_grad();
        foreach (var linear in module.modules().OfType<Linear>())
        {
            double bound = 1 / Math.Sqrt(linear.in_features);
            foreach (var p in new[] { linear.weight, linear.bias })
            {
                if (p is null) continue;
                using var u = rand(p.shape, dtype: float64, generator: gen);
                using var values = (u * 2 - 1) * bound;
                p.copy_(values);
            }
        }
    }
}
