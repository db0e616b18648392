using TorchSharp;
using WganCourse.Data;
using WganCourse.Metrics;
using WganCourse.Runtime;
using Xunit;
using static TorchSharp.torch;

namespace WganCourse.Tests.Metrics;

/// <summary>The toy-mode claims of 03, 07 and 08 fed broken generators: each must fail where the generator is broken.</summary>
public class ToyClaimsTests
{
    public ToyClaimsTests() => Course.Setup();

    static readonly GaussianMixture Ring = Toy.Ring8();

    /// <summary>2500 samples: the data itself, a G collapsed on modes 0–2, a G off the ring (its centre), an untrained G.</summary>
    static ToyReport Report(string kind, int seed = 1)
    {
        using var gen = Seeds.Generator(seed);
        Tensor x = kind switch
        {
            "data" => Ring.Sample(2500, gen),
            "collapsed" => new GaussianMixture("3 of 8", Ring.Means.Take(3).ToArray(), Ring.Stds.Take(3).ToArray()).Sample(2500, gen),
            "off" => 0.05f * randn(new long[] { 2500, 2 }, generator: gen),
            "untrained" => randn(new long[] { 2500, 2 }, generator: gen),   // an untrained G: a blob over the plane
            _ => throw new ArgumentException(kind),
        };
        return ToyMetrics.Evaluate(x, Ring);
    }

    [Fact]
    public void Collapse_claims_of_03_hold_for_a_collapsed_G_and_fail_for_one_off_the_ring_or_untrained()
    {
        Assert.True(ToyClaims.CollapsedOnTheModes(Report("collapsed"), minSamples: 25));
        Assert.True(ToyClaims.ImbalancedOnTheModes(Report("collapsed")));
        foreach (var broken in new[] { "off", "untrained" })
        {
            Assert.False(ToyClaims.CollapsedOnTheModes(Report(broken), minSamples: 25), broken);
            Assert.False(ToyClaims.ImbalancedOnTheModes(Report(broken)), broken);
        }
        // and the data itself has not collapsed
        Assert.False(ToyClaims.CollapsedOnTheModes(Report("data"), minSamples: 25));
        Assert.False(ToyClaims.ImbalancedOnTheModes(Report("data")));
    }

    static SeedSummary Seeds5(string kind) => ToyMetrics.Summarise(Enumerable.Range(1, 5).Select(s => Report(kind, s)).ToList());

    [Fact]
    public void Ordering_claims_of_03_and_07_fail_when_the_better_objective_is_broken()
    {
        var good = Seeds5("data");
        var collapsed = Seeds5("collapsed");
        Assert.Equal(5, good.SeedsWithAllModes);                          // 07.ring-no-collapse holds for the data
        Assert.Equal(0, collapsed.SeedsWithAllModes);                     // and fails for a collapsed G (threshold 4)
        Assert.Equal(0, Seeds5("untrained").SeedsWithAllModes);           // and for an untrained one
        Assert.True(ToyClaims.WorseThan(collapsed, good, modeMargin: 1));
        Assert.False(ToyClaims.WorseThan(good, collapsed, modeMargin: 1));    // WGAN-GP collapsed, GAN fine: fails
        Assert.False(ToyClaims.WorseThan(good, good, modeMargin: 1));         // no difference: fails
        Assert.True(ToyClaims.WorseThan(Seeds5("off"), good, modeMargin: 1)); // a GAN off the ring is worse
        Assert.False(ToyClaims.WorseThan(good, Seeds5("off"), modeMargin: 1)); // a "WGAN-GP" off the ring is not better
        Assert.False(ToyClaims.WorseThan(Seeds5("untrained"), Seeds5("untrained"), modeMargin: 1));
    }
}
