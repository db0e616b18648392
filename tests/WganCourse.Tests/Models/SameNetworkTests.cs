using WganCourse.Models;
using WganCourse.Runtime;
using Xunit;
using static TorchSharp.torch;

namespace WganCourse.Tests.Models;

/// <summary>
/// SameNetwork is what notebooks 04 and 05 use to check that the networks written out in their cells are the library's
/// (04.visible-nets, 05.visible-nets); it must say "different" for a different seed or a different architecture.
/// </summary>
public class SameNetworkTests
{
    public SameNetworkTests() => Course.Setup();

    [Fact]
    public void The_same_network_with_the_same_seed_is_the_same()
    {
        using var a = new ConditionalMlpGenerator(seed: 1, batchNorm: true, device: CPU);
        using var b = new ConditionalMlpGenerator(seed: 1, batchNorm: true, device: CPU);
        Assert.True(SameNetwork.Compare(a, b).Same);
        using var d1 = new DcganDiscriminator(ndf: 8, seed: 2, device: CPU);
        using var d2 = new DcganDiscriminator(ndf: 8, seed: 2, device: CPU);
        Assert.True(SameNetwork.Compare(d1, d2).Same);
    }

    [Fact]
    public void Another_seed_or_another_architecture_is_not()
    {
        using var a = new ConditionalMlpGenerator(seed: 1, batchNorm: true, device: CPU);
        using var otherSeed = new ConditionalMlpGenerator(seed: 2, batchNorm: true, device: CPU);
        var r = SameNetwork.Compare(a, otherSeed);
        Assert.True(r.ShapesMatch);
        Assert.False(r.Same, r.ToString());
        using var noBatchNorm = new ConditionalMlpGenerator(seed: 1, batchNorm: false, device: CPU);
        Assert.False(SameNetwork.Compare(a, noBatchNorm).ShapesMatch);
        using var wider = new DcganGenerator(ngf: 16, seed: 1, device: CPU);
        using var narrow = new DcganGenerator(ngf: 8, seed: 1, device: CPU);
        var w = SameNetwork.Compare(wider, narrow);
        Assert.False(w.Same);
        Assert.Contains("parameter 0", w.Detail);
    }

    [Fact]
    public void Comparing_leaves_the_training_mode_and_the_batchnorm_statistics_alone()
    {
        using var a = new DcganGenerator(ngf: 8, seed: 1, device: CPU);
        using var b = new DcganGenerator(ngf: 8, seed: 1, device: CPU);
        a.train();
        var before = a.state_dict().Where(kv => kv.Key.Contains("running_mean")).Select(kv => kv.Value.clone()).ToList();
        Assert.True(SameNetwork.Compare(a, b).Same);
        Assert.True(a.training);
        var after = a.state_dict().Where(kv => kv.Key.Contains("running_mean")).Select(kv => kv.Value).ToList();
        Assert.All(before.Zip(after), p => Assert.True(p.First.allclose(p.Second, 0, 0)));
    }
}

/// <summary>05.init fails for PyTorch's default initialisation.</summary>
public class DcganInitStatsTests
{
    public DcganInitStatsTests() => Course.Setup();

    [Fact]
    public void The_dcgan_initialisation_passes_and_the_torch_default_fails()
    {
        using var g = new DcganGenerator(ngf: 16, seed: 11, device: CPU);
        using var d = new DcganDiscriminator(ndf: 16, seed: 12, device: CPU);
        var ok = DcganInitStats.Measure(g, d);
        Assert.Equal(6, ok.Layers.Count);
        Assert.True(ok.Holds, ok.Summary);
        using var gen = new Generator(3);
        WeightInit.TorchDefault(g, gen);
        WeightInit.TorchDefault(d, gen);
        var bad = DcganInitStats.Measure(g, d);
        Assert.False(bad.Holds, bad.Summary);
    }
}
