using TorchSharp;
using WganCourse.Metrics;
using WganCourse.Models;
using WganCourse.Runtime;
using WganCourse.Training;
using Xunit;
using static TorchSharp.torch;

namespace WganCourse.Tests.Training;

/// <summary>The bookkeeping of the stability experiment (issue #21 item 4): the collapse count and the two
/// verdicts on inputs that must fail them, and on one that must pass (so a failure is not vacuous).</summary>
public class StabilityTests
{
    public StabilityTests()
    {
        Course.Setup();
        torch.set_num_threads(1);
    }

    static readonly double[] Uniform = Enumerable.Repeat(0.1, 10).ToArray();
    static double[] OneDigit(int k) => Enumerable.Range(0, 10).Select(i => i == k ? 1.0 : 0.0).ToArray();

    static StabilityRun Run(string objective, int seed, double fd, double[] readings, double variety = double.NaN) =>
        new(objective, seed, fd, readings, 1, 1, variety);

    static Dictionary<int, double> Untrained(double v) => Enumerable.Range(1, 3).ToDictionary(s => s, _ => v);

    [Fact]
    public void VarietyIsTheMeanDistanceBetweenTwoDifferentSamples()
    {
        var same = ones(10, 1, 28, 28) * 0.5;
        Assert.Equal(0, Stability.Variety(same), 9);
        // two images that differ by 1 in every one of 784 pixels: distance 28, in both orders
        var two = cat(new[] { zeros(1, 1, 28, 28), ones(1, 1, 28, 28) });
        Assert.Equal(28, Stability.Variety(two), 6);
        Assert.Throws<ArgumentException>(() => Stability.Variety(zeros(1, 1, 28, 28)));
        // only the first VarietySamples count: a different image after them changes nothing
        var many = cat(new[] { zeros(Stability.VarietySamples, 1, 28, 28), ones(5, 1, 28, 28) });
        Assert.Equal(0, Stability.Variety(many), 9);
    }

    [Fact]
    public void TheVarietyClaimNeedsWganTwiceAsVariedAsBothTheGanAndTheStart()
    {
        List<StabilityRun> Runs(double gan, double wgan) => Enumerable.Range(1, 3).SelectMany(s => new[]
            { Run("GAN", s, 300, Uniform, gan), Run("WGAN-GP", s, 100, Uniform, wgan) }).ToList();
        Assert.True(Stability.VarietyClaim(Runs(gan: 2.5, wgan: 7.5), Untrained(2.6)).Passed);
        // a GAN collapsed to one image against a WGAN that has not moved from its start: not a WGAN success
        Assert.False(Stability.VarietyClaim(Runs(gan: 0, wgan: 2.6), Untrained(2.6)).Passed);
        // both as varied: no difference to claim
        Assert.False(Stability.VarietyClaim(Runs(gan: 7, wgan: 7.5), Untrained(2.6)).Passed);
        // a collapsed WGAN
        Assert.False(Stability.VarietyClaim(Runs(gan: 2.5, wgan: 0), Untrained(2.6)).Passed);
        // just under twice on every seed fails; one seed under it still passes (2 of 3)
        Assert.False(Stability.VarietyClaim(Runs(gan: 2.5, wgan: 5.19), Untrained(2.6)).Passed);
        var mixed = Runs(gan: 2.5, wgan: 7.5);
        mixed[1] = Run("WGAN-GP", 1, 100, Uniform, 3);
        Assert.True(Stability.VarietyClaim(mixed, Untrained(2.6)).Passed);
        mixed[3] = Run("WGAN-GP", 2, 100, Uniform, double.NaN);
        Assert.False(Stability.VarietyClaim(mixed, Untrained(2.6)).Passed);
        // a missing untrained reading counts as a miss
        Assert.False(Stability.VarietyClaim(Runs(gan: 2.5, wgan: 7.5), new Dictionary<int, double> { [1] = 2.6 }).Passed);
        // the id is the caller's
        Assert.Equal("09.wgan-more-varied",
            Stability.VarietyClaim(Runs(gan: 2.5, wgan: 7.5), Untrained(2.6), "09.wgan-more-varied").Id);
    }

    [Fact]
    public void ClassesHeldCountsSharesOfAtLeastFivePercent()
    {
        Assert.Equal(10, Stability.ClassesHeld(Uniform));
        Assert.Equal(1, Stability.ClassesHeld(OneDigit(3)));
        var three = new[] { 0.3, 0.3, 0.3, 0.049, 0.051, 0, 0, 0, 0, 0 };
        Assert.Equal(4, Stability.ClassesHeld(three));
        Assert.True(Stability.IsCollapsed(three));
        var six = new[] { 0.16, 0.16, 0.17, 0.17, 0.17, 0.17, 0, 0, 0, 0 };
        Assert.False(Stability.IsCollapsed(six));
        Assert.Throws<ArgumentException>(() => Stability.ClassesHeld(new[] { double.NaN, 1.0 }));
    }

    [Fact]
    public void BothClaimsPassWhenWganIsBetterAndTheGanCollapses()
    {
        var runs = new List<StabilityRun>();
        for (int s = 1; s <= 3; s++)
        {
            runs.Add(Run("GAN", s, 300, s == 2 ? OneDigit(1) : Uniform));
            runs.Add(Run("WGAN-GP", s, 100, Uniform));
        }
        Assert.True(Stability.FdClaim(runs).Passed);
        Assert.True(Stability.CollapseClaim(runs).Passed);
    }

    [Fact]
    public void TheBatchNormControlIsNotCountedAsWgan()
    {
        var runs = Enumerable.Range(1, 3).SelectMany(s => new[]
            { Run("GAN", s, 300, OneDigit(2)), Run("GAN (BN G)", s, 100, Uniform) }).ToList();
        Assert.False(Stability.FdClaim(runs).Passed);
        Assert.False(Stability.CollapseClaim(runs).Passed);
    }

    [Fact]
    public void UntrainedOrEqualGeneratorsDoNotPass()
    {
        // the same (untrained) generator read twice: equal FD-digits, equal histograms
        var runs = Enumerable.Range(1, 3).SelectMany(s => new[]
            { Run("GAN", s, 2000, Uniform), Run("WGAN-GP", s, 2000, Uniform) }).ToList();
        Assert.False(Stability.FdClaim(runs).Passed);
        Assert.False(Stability.CollapseClaim(runs).Passed);
        var collapsedBoth = Enumerable.Range(1, 3).SelectMany(s => new[]
            { Run("GAN", s, 2000, OneDigit(0)), Run("WGAN-GP", s, 2000, OneDigit(0)) }).ToList();
        Assert.False(Stability.CollapseClaim(collapsedBoth).Passed);
    }

    [Fact]
    public void MissingRunsAndTooFewSeedsFail()
    {
        var onlyGan = new List<StabilityRun> { Run("GAN", 1, 300, OneDigit(2)), Run("GAN", 2, 300, Uniform) };
        Assert.False(Stability.FdClaim(onlyGan).Passed);
        Assert.False(Stability.CollapseClaim(onlyGan).Passed);
        var nan = Enumerable.Range(1, 3).SelectMany(s => new[]
            { Run("GAN", s, 300, OneDigit(2)), Run("WGAN-GP", s, double.NaN, Uniform) }).ToList();
        Assert.False(Stability.FdClaim(nan).Passed);
        var oneSeed = new List<StabilityRun> { Run("GAN", 1, 300, OneDigit(2)), Run("WGAN-GP", 1, 100, Uniform) };
        Assert.False(Stability.FdClaim(oneSeed).Passed); // one seed: no threshold at 1 % false failures
    }

    /// <summary>Writes the same image for every z.</summary>
    sealed class OneImage : GeneratorNet
    {
        readonly TorchSharp.Modules.Parameter image;
        public OneImage(Tensor x) : base("OneImage")
        {
            image = new TorchSharp.Modules.Parameter(x.clone(), requires_grad: false);
            RegisterComponents();
        }
        public override int LatentDim => 4;
        public override Tensor forward(Tensor z) => image.unsqueeze(0).expand(z.shape[0], 1, 28, 28).clone();
    }

    [Fact]
    public void AGeneratorThatAlwaysDrawsOneImageReadsAsCollapsed()
    {
        using var gen = Seeds.Generator(3);
        var x = rand(new long[] { 1, 28, 28 }, generator: gen) * 2 - 1;
        var reals = rand(new long[] { 200, 1, 28, 28 }, generator: gen) * 2 - 1;
        var classifier = new DigitClassifier(seed: 5);
        var r = Stability.Read("GAN", 1, new OneImage(x), classifier, reals);
        Assert.Equal(1, r.ClassesHeld);
        Assert.True(r.Collapsed);
        Assert.Equal(1.0, r.TopShare, 6);
        Assert.InRange(r.Variety, 0, 1e-4); // cdist's matrix-product formula leaves ~1e-6
        Assert.True(double.IsFinite(r.FdDigits) && r.FdDigits > 0);
    }
}
