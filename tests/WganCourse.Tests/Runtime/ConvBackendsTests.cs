using TorchSharp;
using WganCourse.Hosting;
using WganCourse.Models;
using WganCourse.Runtime;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace WganCourse.Tests.Runtime;

/// <summary>
/// libtorch 2.10's oneDNN convolution gives a wrong input gradient for one-channel inputs (the DCGAN discriminator's
/// first layer), and reads memory it never wrote; the course switches oneDNN (and NNPACK) off at set-up
/// (<see cref="ConvBackends"/>). These tests check the switch is off after set-up, that the gradients the DCGAN
/// depends on then agree with float64 even when freed memory holds NaN, and that the switch exists on every platform.
/// </summary>
public class ConvBackendsTests(ITestOutputHelper output)
{
    /// <summary>Frees tensors full of NaN, so that a kernel reading memory it did not write reads NaN.</summary>
    static void PoisonFreedMemory()
    {
        foreach (var n in new long[] { 64, 256, 1024, 4096, 16384, 65536, 262144, 1 << 20 })
            for (int k = 0; k < 4; k++) { using var junk = full(n, float.NaN); }
    }

    /// <summary>A convolution of the DCGAN discriminator: its first layer (one input channel, 28 → 14) or its score
    /// layer (one output channel, 7 × 7 → 1 × 1), at width <paramref name="ndf"/>.</summary>
    sealed record Layer(string Name, long In, long Out, long Kernel, long Stride, long Padding, long Size)
    {
        public static Layer First(long ndf) => new($"Conv2d(1 → {ndf}, 4×4 stride 2)", 1, ndf, 4, 2, 1, 28);
        public static Layer Score(long ndf) => new($"Conv2d({2 * ndf} → 1, 7×7)", 2 * ndf, 1, 7, 1, 0, 7);
    }

    /// <summary>Largest |dx − dx₆₄| of a layer's input gradient over a few draws, or +∞ if any entry is not finite.
    /// </summary>
    static double WorstInputGradientError(Layer l, long batch, int draws)
    {
        double worst = 0;
        for (int t = 0; t < draws; t++)
        {
            using var scope = NewDisposeScope();
            using var g = Seeds.Generator(100 + t);
            var conv = nn.Conv2d(l.In, l.Out, kernel_size: l.Kernel, stride: l.Stride, padding: l.Padding);
            var x = randn(new long[] { batch, l.In, l.Size, l.Size }, generator: g).requires_grad_(true);
            var y = conv.forward(x);
            var gy = randn(y.shape, generator: g);
            PoisonFreedMemory();
            y.backward(new[] { gy });
            var x64 = x.detach().to(float64).requires_grad_(true);
            nn.functional.conv2d(x64, conv.weight!.detach().to(float64), conv.bias!.detach().to(float64),
                                 strides: new[] { l.Stride, l.Stride }, padding: new[] { l.Padding, l.Padding })
              .backward(new[] { gy.to(float64) });
            var dx = x.grad!;
            if (!isfinite(dx).all().item<bool>()) return double.PositiveInfinity;
            worst = Math.Max(worst, (dx.to(float64) - x64.grad!).abs().max().item<double>());
        }
        return worst;
    }

    /// <summary>Widths and batches: the unit tests' (4, 8), smoke's (8, 32), cpu's (16, 64), full's (64, 128). With
    /// oneDNN on, this machine's AVX-512 kernels got the first layer wrong below width 16 and its AVX2 kernels the
    /// score layer (2026-12-05).</summary>
    static readonly (long Ndf, long Batch)[] Shapes = { (4, 8), (8, 32), (16, 64), (64, 128) };

    static IEnumerable<(Layer, long)> Cases() =>
        Shapes.SelectMany(s => new[] { (Layer.First(s.Ndf), s.Batch), (Layer.Score(s.Ndf), s.Batch) });

    [Fact]
    public void After_setup_oneDNN_and_NNPACK_are_off_and_the_set_up_line_says_so()
    {
        var line = Course.Setup();
        Assert.False(ConvBackends.OneDnn);
        Assert.False(ConvBackends.Nnpack);
        Assert.Contains("oneDNN convolutions off", line);
    }

    [Fact]
    public void The_DCGAN_critics_one_channel_layers_give_input_gradients_equal_to_float64_even_over_NaN_memory()
    {
        Course.Setup();
        using var oneThread = Threads.Use(1);
        foreach (var (layer, batch) in Cases())
        {
            var err = WorstInputGradientError(layer, batch, draws: 4);
            output.WriteLine($"course setting: {layer.Name}, batch {batch}: max |dx − dx64| = {err:E2}");
            Assert.True(err < 1e-4, $"{layer.Name}, batch {batch}: input gradient off by {err:E2}");
        }
    }

    [Fact]
    public void The_switch_turns_oneDNN_on_for_a_block_and_restores_it()
    {
        Course.Setup();
        using var oneThread = Threads.Use(1);
        using (ConvBackends.Use(oneDnn: true))
        {
            Assert.True(ConvBackends.OneDnn);
            Assert.False(ConvBackends.Nnpack);
            // what the switch protects against, for the record (not asserted: another CPU or libtorch may be right)
            foreach (var (layer, batch) in Cases())
                output.WriteLine($"oneDNN on: {layer.Name}, batch {batch}: max |dx − dx64| = " +
                                 $"{WorstInputGradientError(layer, batch, draws: 2):E2}");
        }
        Assert.False(ConvBackends.OneDnn);
    }

    [Fact]
    public void A_DCGAN_generator_step_gives_finite_gradients_after_freed_memory_held_NaN()
    {
        // the failure CI met: the generator's gradient passes through D's one-channel first layer
        Course.Setup();
        using var oneThread = Threads.Use(1);
        for (int trial = 0; trial < 5; trial++)
        {
            var G = new DcganGenerator(latentDim: 8, ngf: 4, seed: 1 + trial, device: CPU);
            var D = new DcganDiscriminator(ndf: 4, seed: 2 + trial, device: CPU);
            using var g = Seeds.Generator(trial);
            PoisonFreedMemory();
            nn.functional.softplus(-D.forward(G.forward(randn(new long[] { 8, 8 }, generator: g)))).mean().backward();
            foreach (var (name, p) in G.named_parameters())
                Assert.True(isfinite(p.grad!).all().item<bool>(), $"trial {trial}: G.{name} has a non-finite gradient");
        }
    }

    [Theory]
    [InlineData("linux-x64")]
    [InlineData("win-x64")]
    [InlineData("osx-arm64")]
    public void Every_platforms_libtorch_exports_the_switches(string rid)
    {
        var (_, libtorch) = NativePackages.Pair(rid);
        var image = NativeImage.Read(Path.Combine(libtorch, NativeSetup.PlanFor(rid).Probe));
        var prefix = rid == "osx-arm64" ? "_" : ""; // Mach-O symbol tables carry C's leading underscore; dlsym adds it
        foreach (var which in new[] { "Mkldnn", "NNPACK" })
        {
            var (ctx, set, get) = ConvBackends.Symbols(rid, which);
            foreach (var symbol in new[] { ctx, set, get })
                Assert.True(image.Exports.Contains(prefix + symbol), $"{rid}: {image.Name} does not export {symbol}");
        }
        Assert.Throws<ArgumentException>(() => ConvBackends.Symbols(rid, "Cudnn"));
    }
}
