using TorchSharp;
using WganCourse.Models;
using WganCourse.Runtime;
using WganCourse.Training;
using Xunit;
using static TorchSharp.torch;

namespace WganCourse.Tests.Training;

public class FlopsTests
{
    public FlopsTests() => Course.Setup();

    [Fact]
    public void Layer_MACs_match_hand_counts()
    {
        Assert.Equal(256L * 2 * 128, Flops.LinearMacs(256, 2, 128));
        // DCGAN D, second layer at ndf = 64: 64 images × 128 channels × 7×7 outputs × 64 inputs × 4×4 taps
        Assert.Equal(411_041_792L, Flops.Conv2dMacs(64, 64, 128, 4, 4, 7, 7));
        // grouped: each output sees in/groups channels: 1 × 8 × 5·5 × (4/2) × 3·3
        Assert.Equal(3600L, Flops.Conv2dMacs(1, 4, 8, 3, 3, 5, 5, groups: 2));
        // DCGAN G's first layer: a 7×7 kernel scattered from a 1×1 input: 64 × 100 × 1 × 128 × 49
        Assert.Equal(40_140_800L, Flops.ConvTranspose2dMacs(64, 100, 128, 7, 7, 1, 1));
    }

    [Fact]
    public void A_transposed_convolution_costs_what_the_convolution_it_transposes_costs()
    {
        // ConvTranspose2d(128 → 64, k4 s2 p1) on 7×7 is the backward of Conv2d(64 → 128, k4 s2 p1) producing 7×7
        Assert.Equal(Flops.Conv2dMacs(64, 64, 128, 4, 4, 7, 7), Flops.ConvTranspose2dMacs(64, 128, 64, 4, 4, 7, 7));
        Assert.Equal(Flops.Conv2dMacs(3, 6, 4, 3, 3, 9, 9, groups: 2), Flops.ConvTranspose2dMacs(3, 4, 6, 3, 3, 9, 9, groups: 2));
    }

    [Fact]
    public void Forward_MACs_of_the_course_models_from_hooks_equal_the_layer_sums()
    {
        var g = new DcganGenerator(ngf: 64, device: CPU);
        var d = new DcganDiscriminator(ndf: 64, device: CPU);
        long gMacs = Flops.ForwardMacs(g, () => g.forward(randn(64, 100)));
        long dMacs = Flops.ForwardMacs(d, () => d.forward(randn(64, 1, 28, 28)));
        // G: project 64·100·128·49 + up1 64·128·49·64·16 + up2 64·64·196·1·16
        Assert.Equal(40_140_800L + 411_041_792L + 12_845_056L, gMacs);
        // D: down1 64·64·196·1·16 + down2 64·128·49·64·16 + score 64·1·1·128·49
        Assert.Equal(12_845_056L + 411_041_792L + 401_408L, dMacs);
        // counting twice gives the same number: the hooks of the first count are gone
        Assert.Equal(gMacs, Flops.ForwardMacs(g, () => g.forward(randn(64, 100))));

        Seeds.Set(1);
        var mlp = Mlp.Generator(latentDim: 2, outDim: 2, hidden: 128, layers: 2);
        Assert.Equal(256L * (2 * 128 + 128 * 128 + 128 * 2), Flops.ForwardMacs(mlp, () => mlp.forward(randn(256, 2))));
        Assert.Contains("no Linear, Conv2d or ConvTranspose2d", Assert.Throws<ArgumentException>(() => Flops.ForwardMacs(nn.ReLU(), () => { })).Message);
    }

    [Fact]
    public void A_training_step_costs_n_critic_critic_steps_plus_one_generator_step_at_three_times_forward()
    {
        long gMacs = 464_027_648, dMacs = 424_288_256; // DCGAN ngf = ndf = 64, batch 64
        double fG = 2.0 * gMacs, fD = 2.0 * dMacs;
        // critic step: G forward without gradient, D forward + backward on real and fake; generator step: (G + D) × 3
        double expected = (fG + 2 * 3 * fD) + 3 * (fG + fD);
        Assert.Equal(expected, Flops.TrainingStepFlops(gMacs, dMacs, 1));
        Assert.Equal(11_349_409_792.0, Flops.TrainingStepFlops(gMacs, dMacs, 1));
        Assert.Equal(5 * (fG + 6 * fD) + 3 * (fG + fD), Flops.TrainingStepFlops(gMacs, dMacs, 5));
    }

    [Fact]
    public void Bad_layer_sizes_are_rejected_with_the_reason()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Flops.LinearMacs(0, 2, 3));
        Assert.Contains("groups = 3 must divide", Assert.Throws<ArgumentException>(() => Flops.Conv2dMacs(1, 4, 8, 3, 3, 5, 5, groups: 3)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Flops.TrainingStepFlops(1, 1, 0));
    }

    [Fact]
    public void Quantiles_interpolate_between_order_statistics()
    {
        Assert.Equal(2.5, Benchmark.Quantile(new double[] { 4, 1, 3, 2 }, 0.5), 12);
        Assert.Equal(1.0, Benchmark.Quantile(Enumerable.Range(0, 11).Select(i => (double)i).ToArray(), 0.1), 12);
        Assert.Equal(7.0, Benchmark.Quantile(new double[] { 7 }, 0.9));
        Assert.Throws<ArgumentException>(() => Benchmark.Quantile(Array.Empty<double>(), 0.5));
    }
}
