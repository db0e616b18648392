using TorchSharp;
using TorchSharp.Modules;
using WganCourse.Models;
using WganCourse.Objectives;
using WganCourse.Runtime;
using Xunit;
using static TorchSharp.torch;

namespace WganCourse.Tests.Models;

/// <summary>The critic variants of notebooks 07–08: spectrally normalised MLP and DCGAN critics, and the DCGAN critic without BatchNorm.</summary>
public class CriticVariantsTests
{
    public CriticVariantsTests() => Course.Setup();

    [Fact]
    public void Spectrally_normalised_mlp_critic_has_unit_spectral_norm_in_every_layer()
    {
        using var d = Mlp.Critic(inDim: 2, hidden: 32, seed: 5, spectralNorm: true);
        var layers = d.modules().OfType<SpectralNorm>().ToList();
        Assert.Equal(4, layers.Count); // 3 hidden + output
        Assert.True(d.IsSpectrallyNormalised);
        foreach (var sn in layers)
        {
            using var w = sn.NormalisedWeight();
            Assert.InRange(SpectralNorm.LargestSingularValue(w), 0.99, 1.01);
        }
        new WganSn().AfterCriticStep(d); // accepted as an SN critic
    }

    [Fact]
    public void Spectral_norm_option_keeps_the_seeded_weights_and_the_plain_critic_unchanged()
    {
        using var plain = Mlp.Critic(inDim: 2, hidden: 16, seed: 9);
        using var sn = Mlp.Critic(inDim: 2, hidden: 16, seed: 9, spectralNorm: true);
        var a = plain.parameters().Select(p => p.detach().clone()).ToList();
        var b = sn.parameters().Select(p => p.detach().clone()).ToList();
        Assert.Equal(a.Count, b.Count);
        for (int i = 0; i < a.Count; i++) Assert.True(a[i].eq(b[i]).all().item<bool>(), $"parameter {i} differs");
        Assert.False(plain.IsSpectrallyNormalised);
        Assert.Empty(plain.modules().OfType<SpectralNorm>());
        // same seed, same SN critic (u, v included)
        using var sn2 = Mlp.Critic(inDim: 2, hidden: 16, seed: 9, spectralNorm: true);
        using var x = randn(5, 2, generator: Seeds.Generator(1));
        sn.eval(); sn2.eval();
        Assert.True(sn.forward(x).eq(sn2.forward(x)).all().item<bool>());
    }

    [Fact]
    public void Dcgan_critic_without_batchnorm_scores_each_image_on_its_own()
    {
        using var d = new DcganDiscriminator(ndf: 8, seed: 3, device: CPU, batchNorm: false);
        Assert.False(d.HasBatchNorm);
        Assert.Empty(d.modules().OfType<BatchNorm2d>());
        using var x = randn(new long[] { 6, 1, 28, 28 }, generator: Seeds.Generator(2));
        d.train();
        using var all = d.forward(x);
        using var one = d.forward(x[..1]);
        Assert.True(all[..1].allclose(one, rtol: 1e-5, atol: 1e-6), "in training mode a BatchNorm-free critic's score must not depend on the rest of the batch");
        Assert.Equal(new long[] { 6, 1 }, all.shape);
    }

    [Fact]
    public void Dcgan_critic_default_keeps_batchnorm_and_spectral_norm_requires_it_off()
    {
        using var d = new DcganDiscriminator(ndf: 8, device: CPU);
        Assert.True(d.HasBatchNorm);
        Assert.Single(d.modules().OfType<BatchNorm2d>());
        Assert.Throws<ArgumentException>(() => new DcganDiscriminator(ndf: 8, device: CPU, spectralNorm: true));
        using var sn = new DcganDiscriminator(ndf: 8, device: CPU, batchNorm: false, spectralNorm: true);
        Assert.Equal(3, sn.modules().OfType<SpectralNorm>().Count());
        foreach (var layer in sn.modules().OfType<SpectralNorm>())
        {
            using var w = layer.NormalisedWeight();
            Assert.InRange(SpectralNorm.LargestSingularValue(w), 0.98, 1.02);
        }
        new WganSn().AfterCriticStep(sn);
    }
}
