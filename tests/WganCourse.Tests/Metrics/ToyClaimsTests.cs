using TorchSharp;
using WganCourse.Data;
using WganCourse.Metrics;
using WganCourse.Runtime;
using Xunit;
using static TorchSharp.torch;

namespace WganCourse.Tests.Metrics;

/// <summary>The toy-mode claims of 07 and 08 fed broken generators (03's: MatchedRingClaimsTests): each must fail where the generator is broken.</summary>
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
            // under-trained: spread evenly along the ring's circle, between the modes as much as on them
            "along" => AlongTheCircle(gen),
            _ => throw new ArgumentException(kind),
        };
        return ToyMetrics.Evaluate(x, Ring);
    }

    static Tensor AlongTheCircle(Generator gen)
    {
        var angle = rand(new long[] { 2500 }, generator: gen) * (2 * Math.PI);
        var r = Math.Sqrt(Ring.Means[0].Sum(m => m * m));
        return stack(new[] { r * cos(angle), r * sin(angle) }, dim: 1).to_type(float32);
    }

    static SeedSummary Seeds5(string kind) => ToyMetrics.Summarise(Enumerable.Range(1, 5).Select(s => Report(kind, s)).ToList());

    [Fact]
    public void Ordering_claims_hold_only_when_both_objectives_reached_the_modes()
    {
        var good = Seeds5("data");
        var collapsed = Seeds5("collapsed");
        Assert.Equal(5, good.SeedsWithAllModes);                          // 07.ring-no-collapse holds for the data
        Assert.Equal(0, collapsed.SeedsWithAllModes);                     // and fails for a collapsed G
        Assert.Equal(0, Seeds5("untrained").SeedsWithAllModes);           // and for an untrained one
        OrderingOutcome Judge(string worse, string better) =>
            ToyClaims.Ordering(Seeds5(worse), Seeds5(better), modeMargin: 1).Outcome;
        Assert.Equal(OrderingOutcome.Holds, Judge("collapsed", "data"));
        Assert.Equal(OrderingOutcome.DoesNotHold, Judge("data", "collapsed")); // WGAN-GP collapsed, GAN fine
        Assert.Equal(OrderingOutcome.DoesNotHold, Judge("data", "data"));      // no difference
        // no pass by a degenerate branch: a GAN off the ring, spread along it or untrained has not collapsed
        foreach (var unconverged in new[] { "off", "along", "untrained" })
        {
            Assert.Equal(OrderingOutcome.NotConverged, Judge(unconverged, "data"));
            Assert.Equal(OrderingOutcome.NotConverged, Judge("collapsed", unconverged));
        }
        // spread along the circle: 7.6 % near a mode by geometry, below the one-fifth gate
        Assert.InRange(Seeds5("along").HighQuality.Mean, 0.05, 0.10);
    }

    [Fact]
    public void An_ordering_verdict_says_which_objective_has_not_converged()
    {
        var v = ToyClaims.Ordering(Seeds5("along"), Seeds5("data"), modeMargin: 1);
        Assert.Contains("of GAN have", v.NotConvergedReason("WGAN-GP", "GAN"));
        Assert.Contains("GAN 0/5", v.Describe("WGAN-GP", "GAN"));
        Assert.Null(ToyClaims.Ordering(Seeds5("collapsed"), Seeds5("data"), 1).NotConvergedReason("a", "b"));
    }
}
