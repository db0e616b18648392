using TorchSharp;
using TorchSharp.Modules;
using WganCourse.Models;
using WganCourse.Runtime;
using Xunit;
using static TorchSharp.torch;

namespace WganCourse.Tests.Models;

public class DcganTests
{
    public DcganTests() => Course.Setup();

    /// <summary>The layers in order, as the Sequential inside the model runs them.</summary>
    static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    static List<nn.Module> Layers(nn.Module model) =>
        model.modules().OfType<Sequential>().Single().children().ToList();

    /// <summary>Runs the layers one by one and records the spatial size after every (transposed) convolution.</summary>
    static List<long> SizesAfterConvolutions(nn.Module model, Tensor input)
    {
        model.eval();
        using var _ = no_grad();
        var sizes = new List<long>();
        var h = input;
        foreach (var layer in Layers(model))
        {
            h = ((nn.Module<Tensor, Tensor>)layer).forward(h);
            if (layer is Convolution) sizes.Add(h.shape[2]);
        }
        return sizes;
    }

    [Fact]
    public void Generator_goes_from_z_to_7_then_14_then_28_pixels_in_minus_one_to_one()
    {
        using var g = new DcganGenerator(latentDim: 100, ngf: 16, device: CPU);
        var z = g.Latent(5, Seeds.Generator(1));
        var x = g.Generate(z, null);
        Assert.Equal(new long[] { 5, 1, 28, 28 }, x.shape);
        Assert.True(x.abs().max().item<float>() <= 1f);
        Assert.Equal(new long[] { 7, 14, 28 }, SizesAfterConvolutions(g, z.view(5, 100, 1, 1)));
        Assert.Equal(100, g.LatentDim);
        Assert.False(g.IsConditional);
    }

    [Fact]
    public void Discriminator_goes_from_28_to_14_then_7_then_one_score_per_image()
    {
        using var d = new DcganDiscriminator(ndf: 16, device: CPU);
        var x = rand(6, 1, 28, 28) * 2 - 1;
        Assert.Equal(new long[] { 6, 1 }, d.forward(x).shape);
        Assert.Equal(new long[] { 6, 1 }, d.Score(x.view(6, 784), null).shape); // flattened input accepted
        Assert.Equal(new long[] { 14, 7, 1 }, SizesAfterConvolutions(d, x));
    }

    [Fact]
    public void Weights_are_drawn_from_normal_0_002_and_batchnorm_scales_from_normal_1_002()
    {
        using var g = new DcganGenerator(ngf: 64, device: CPU);
        using var d = new DcganDiscriminator(ndf: 64, device: CPU);
        foreach (nn.Module m in new nn.Module[] { g, d })
        {
            var convs = m.modules().OfType<Convolution>().ToList();
            var w = cat(convs.Select(c => c.weight!.detach().flatten()).ToList());
            Assert.True(w.numel() > 100_000);
            Assert.InRange(w.std().item<float>(), 0.0196f, 0.0204f);       // std of the sample std is ≈ 0.02/√(2n) < 1e-4
            Assert.InRange(w.mean().item<float>(), -0.0005f, 0.0005f);
            foreach (var c in convs.Where(c => c.bias is not null))
                Assert.Equal(0f, c.bias!.abs().max().item<float>());
            var bns = m.modules().OfType<BatchNorm>().ToList();
            Assert.NotEmpty(bns);
            var scale = cat(bns.Select(b => b.weight!.detach()).ToList());
            Assert.InRange(scale.mean().item<float>(), 0.995f, 1.005f);
            Assert.InRange(scale.std().item<float>(), 0.016f, 0.024f);      // 192 (G) / 128 (D) draws
            Assert.All(bns, b => Assert.Equal(0f, b.bias!.abs().max().item<float>()));
        }
    }

    [Fact]
    public void Follows_radfords_guidelines_no_pooling_no_linear_layers_strided_convolutions()
    {
        using var g = new DcganGenerator(ngf: 8, device: CPU);
        using var d = new DcganDiscriminator(ndf: 8, device: CPU);
        foreach (nn.Module m in new nn.Module[] { g, d })
            Assert.DoesNotContain(m.modules(), x => x is Linear or MaxPool2d or AvgPool2d or AdaptiveAvgPool2d or MaxPool1d or Dropout);

        // generator: only transposed convolutions; every one of them but the output is followed by BatchNorm then ReLU; Tanh last
        var gl = Layers(g);
        Assert.All(gl.OfType<Convolution>(), c => Assert.True(c.transposed));
        Assert.IsType<Tanh>(gl[^1]);
        var gConvs = gl.Select((l, i) => (l, i)).Where(p => p.l is Convolution).Select(p => p.i).ToList();
        foreach (var i in gConvs[..^1]) { Assert.IsType<BatchNorm2d>(gl[i + 1]); Assert.IsType<ReLU>(gl[i + 2]); }
        Assert.IsType<Tanh>(gl[gConvs[^1] + 1]);                       // no BatchNorm on the output layer
        Assert.Equal(new long[] { 2, 2 }, ((Convolution)gl[gConvs[1]]).stride);
        Assert.Equal(new long[] { 2, 2 }, ((Convolution)gl[gConvs[2]]).stride);

        // discriminator: input conv → LeakyReLU(0.2) directly; later hidden convs → BatchNorm → LeakyReLU(0.2); downsampling by stride 2
        var dl = Layers(d);
        Assert.All(dl.OfType<Convolution>(), c => Assert.False(c.transposed));
        var dConvs = dl.Select((l, i) => (l, i)).Where(p => p.l is Convolution).Select(p => p.i).ToList();
        Assert.Equal(0.2, Assert.IsType<LeakyReLU>(dl[dConvs[0] + 1]).negative_slope, 12); // no BatchNorm on the input layer
        foreach (var i in dConvs[1..^1])
        {
            Assert.IsType<BatchNorm2d>(dl[i + 1]);
            Assert.Equal(0.2, Assert.IsType<LeakyReLU>(dl[i + 2]).negative_slope, 12);
        }
        foreach (var i in dConvs[..^1]) Assert.Equal(new long[] { 2, 2 }, ((Convolution)dl[i]).stride);
        Assert.Equal(dl.Count - 1, dConvs[^1]);                          // the score is the last layer: no sigmoid, raw logit
    }

    [Fact]
    public void Same_seed_gives_the_same_network_and_another_seed_another()
    {
        using var a = new DcganGenerator(ngf: 8, seed: 3, device: CPU);
        using var b = new DcganGenerator(ngf: 8, seed: 3, device: CPU);
        using var c = new DcganGenerator(ngf: 8, seed: 4, device: CPU);
        var pa = a.parameters().ToList(); var pb = b.parameters().ToList(); var pc = c.parameters().ToList();
        Assert.All(pa.Zip(pb), p => Assert.True(Same(p.First, p.Second)));
        Assert.Contains(pa.Zip(pc), p => !Same(p.First, p.Second));
    }

    [Fact]
    public void Wrong_inputs_are_named_with_what_was_expected()
    {
        using var g = new DcganGenerator(latentDim: 100, ngf: 8, device: CPU);
        using var d = new DcganDiscriminator(ndf: 8, device: CPU);
        Assert.Contains("expects z of shape [batch, 100], got [4, 99]", Assert.Throws<ArgumentException>(() => g.forward(randn(4, 99))).Message);
        Assert.Contains("expects images of shape [batch, 1, 28, 28] or [batch, 784], got [4, 1, 32, 32]",
                        Assert.Throws<ArgumentException>(() => d.forward(randn(4, 1, 32, 32))).Message);
        Assert.Contains("unconditional", Assert.Throws<ArgumentException>(() => g.Generate(randn(4, 100), zeros(4, dtype: ScalarType.Int64))).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new DcganGenerator(ngf: 0, device: CPU));
    }

    [Fact]
    public void One_manual_gan_step_updates_both_networks_with_finite_losses()
    {
        using var g = new DcganGenerator(ngf: 8, device: CPU);
        using var d = new DcganDiscriminator(ndf: 8, device: CPU);
        using var og = DcganDefaults.Adam.Create(g.parameters());
        using var od = DcganDefaults.Adam.Create(d.parameters());
        var g0 = g.parameters().Select(p => p.detach().clone()).ToList();
        var d0 = d.parameters().Select(p => p.detach().clone()).ToList();
        var real = rand(16, 1, 28, 28) * 2 - 1;
        var fake = g.Generate(g.Latent(16, Seeds.Generator(2)), null);
        var sr = d.forward(real); var sf = d.forward(fake.detach());
        var ld = nn.functional.binary_cross_entropy_with_logits(sr, ones_like(sr)) + nn.functional.binary_cross_entropy_with_logits(sf, zeros_like(sf));
        od.zero_grad(); ld.backward(); od.step();
        var sg = d.forward(fake);
        var lg = nn.functional.binary_cross_entropy_with_logits(sg, ones_like(sg));
        og.zero_grad(); lg.backward(); og.step();
        Assert.True(float.IsFinite(ld.item<float>()) && float.IsFinite(lg.item<float>()));
        Assert.All(g.parameters().Zip(g0), p => Assert.False(Same(p.First, p.Second)));
        Assert.All(d.parameters().Zip(d0), p => Assert.False(Same(p.First, p.Second)));
        Assert.Equal("Adam(lr=0.0002, β=(0.5, 0.999))", DcganDefaults.Adam.ToString());
    }
}
