using TorchSharp;
using TorchSharp.Modules;
using WganCourse.Models;
using WganCourse.Runtime;
using Xunit;
using static TorchSharp.torch;

namespace WganCourse.Tests.Models;

public class MnistMlpTests
{
    public MnistMlpTests() => Course.Setup();

    static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    static long Count(nn.Module m) => m.parameters().Sum(p => p.numel());

    [Fact]
    public void Shapes_and_parameter_counts_match_the_documented_layers()
    {
        using var g = new MnistMlpGenerator(device: CPU);
        using var d = new MnistMlpDiscriminator(device: CPU);
        var x = g.Generate(g.Latent(3, Seeds.Generator(1)), null);
        Assert.Equal(new long[] { 3, 1, 28, 28 }, x.shape);
        Assert.True(x.abs().max().item<float>() <= 1f);
        Assert.Equal(new long[] { 3, 1 }, d.forward(x).shape);
        Assert.Equal(new long[] { 3, 1 }, d.forward(x.view(3, 784)).shape);
        Assert.Equal((100 * 256 + 256) + (256 * 512 + 512) + (512 * 784 + 784), Count(g));   // 559,632
        Assert.Equal((784 * 512 + 512) + (512 * 256 + 256) + (256 + 1), Count(d));           // 533,505
        Assert.Equal(2, g.modules().OfType<ReLU>().Count());
        Assert.Equal(2, d.modules().OfType<LeakyReLU>().Count(l => l.negative_slope == 0.2));
    }

    [Fact]
    public void Default_init_draws_from_plus_minus_one_over_root_fan_in_with_the_seed()
    {
        using var g = new MnistMlpGenerator(seed: 5, device: CPU);
        using var g2 = new MnistMlpGenerator(seed: 5, device: CPU);
        foreach (var l in g.modules().OfType<Linear>())
        {
            double bound = 1 / Math.Sqrt(l.in_features);
            var w = l.weight!.detach();
            Assert.True(w.abs().max().item<float>() <= bound);
            Assert.InRange(w.std().item<float>(), 0.97 * bound / Math.Sqrt(3), 1.03 * bound / Math.Sqrt(3)); // U(−b, b) has std b/√3
        }
        Assert.All(g.parameters().Zip(g2.parameters()), p => Assert.True(Same(p.First, p.Second)));
    }

    [Fact]
    public void Transposed_convolution_fan_in_uses_the_output_channels_like_pytorch()
    {
        using var conv = nn.ConvTranspose2d(8, 3, kernel_size: 4);           // weight [8, 3, 4, 4]: fan_in = 3·16
        using var gen = Seeds.Generator(1);
        WeightInit.TorchDefault(conv, gen);
        Assert.True(conv.weight!.abs().max().item<float>() <= 1 / Math.Sqrt(48));
        Assert.True(conv.weight!.abs().max().item<float>() > 0.9 / Math.Sqrt(48));
    }

    [Fact]
    public void Batch_norm_option_puts_BatchNorm1d_before_each_hidden_ReLU_and_drops_those_biases()
    {
        using var g = new MnistMlpGenerator(batchNorm: true, device: CPU);
        Assert.True(g.BatchNorm);
        var bns = g.modules().OfType<BatchNorm1d>().ToList();
        Assert.Equal(new long[] { 256, 512 }, bns.Select(b => b.weight!.shape[0]).ToArray());
        var linears = g.modules().OfType<Linear>().ToList();
        Assert.Null(linears[0].bias);
        Assert.Null(linears[1].bias);
        Assert.NotNull(linears[2].bias); // the output layer keeps its bias: no BatchNorm after it
        Assert.Equal(100 * 256 + 2 * 256 + 256 * 512 + 2 * 512 + (512 * 784 + 784), Count(g));
        // order inside the stack: fc0, bn0, act0, fc1, bn1, act1, out, tanh
        var names = g.named_modules().Select(m => m.name.Split('.').Last()).Where(n => n.Length > 0 && n != "net").ToList();
        Assert.Equal(new[] { "fc0", "bn0", "act0", "fc1", "bn1", "act1", "out", "tanh" }, names);

        // train mode normalises with the batch's statistics, eval mode with the running ones: both give images in [−1, 1]
        var z = g.Latent(8, Seeds.Generator(2));
        var train = g.forward(z);
        var eval = g.Sample(8, Seeds.Generator(2));
        Assert.Equal(new long[] { 8, 1, 28, 28 }, eval.shape);
        Assert.True(train.abs().max().item<float>() <= 1f && eval.abs().max().item<float>() <= 1f);
        Assert.False(train.allclose(eval)); // running statistics after one batch are not the batch's own
    }

    [Fact]
    public void Batch_norm_is_for_generator_stacks_only()
    {
        var e = Assert.Throws<ArgumentException>(() => MnistMlp.Stack(794, new[] { 64 }, 1, generator: false, batchNorm: true));
        Assert.Contains("generator stacks only", e.Message);
    }
}
