using TorchSharp;
using WganCourse.Models;
using WganCourse.Runtime;
using WganCourse.Training;
using Xunit;
using static TorchSharp.torch;
using WganCourse.Hosting;

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

public class BenchmarkTests
{
    public BenchmarkTests() => Course.Setup();

    static WganCourse.Data.ImageSet Synthetic(int n) =>
        new("synthetic", rand(new long[] { n, 1, 28, 28 }) * 2 - 1, arange(n, dtype: int64).remainder(10));

    [Fact]
    public void The_standard_rows_are_the_issue_s_five_models_and_the_DCGAN_64_step_is_11_35_GFLOP()
    {
        using var set = Synthetic(128);
        var cases = Benchmark.StandardCases(set);
        Assert.Equal(new[] { 256, 256, 256, 64, 64 }, cases.Select(c => c.BatchSize));
        Assert.Equal(new[] { 1, 5, 5, 1, 1 }, cases.Select(c => c.CriticIterations));
        Assert.Equal(new[] { true, true, true, false, false }, cases.Select(c => c.IsToy));
        // from the hook count of the real models, the same number as the hand count in FlopsTests
        Assert.Equal(11_349_409_792.0, Benchmark.StepFlops(cases[4], CPU));
        Assert.Null(Benchmark.StepFlops(cases[2], CPU)); // WGAN-GP: the 3×-forward rule does not cover double backward
        // toy GAN: G and D are 2→128→128→(2|1) at batch 256
        long g = 256L * (2 * 128 + 128 * 128 + 128 * 2), d = 256L * (2 * 128 + 128 * 128 + 128 * 1);
        Assert.Equal(Flops.TrainingStepFlops(g, d, 1), Benchmark.StepFlops(cases[0], CPU));
    }

    [Fact]
    public void Step_timing_runs_the_real_trainer_and_reports_ordered_quantiles()
    {
        using var set = Synthetic(128);
        using var oneThread = Threads.Use(1);
        var c = Benchmark.StandardCases(set)[0];
        var t = Benchmark.TimeSteps(c, steps: 12, warmup: 3, device: CPU);
        Assert.Equal(12, t.Steps);
        Assert.True(t.P10Ms > 0 && t.P10Ms <= t.MedianMs && t.MedianMs <= t.P90Ms, $"{t}");
        Assert.True(t.CpuMedianMs > 0, $"{t}");
        Assert.InRange(t.TensorsPerStep, 20, 1000); // a GAN step creates tens to hundreds of tensors from C#
        var twin = Benchmark.TimeSteps(c, steps: 12, warmup: 3, device: CPU, overheadTwin: true);
        Assert.Equal(t.TensorsPerStep, twin.TensorsPerStep); // the twin makes exactly the same calls
        var (wall, cpu) = Benchmark.MatmulLimit(n: 256, repeats: 2, device: CPU);
        Assert.True(wall > 0 && cpu > 0);
        Assert.True(Benchmark.TrivialCallMicroseconds(200, CPU) > 0);
        Assert.Throws<ArgumentOutOfRangeException>(() => Benchmark.TimeSteps(c, 0, 1, CPU));
    }
}
