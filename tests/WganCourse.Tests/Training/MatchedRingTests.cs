using TorchSharp;
using WganCourse.Data;
using WganCourse.Metrics;
using WganCourse.Runtime;
using WganCourse.Training;
using Xunit;
using static TorchSharp.torch;

namespace WganCourse.Tests.Training;

public class MatchedRingTests
{
    public MatchedRingTests()
    {
        Course.Setup();
        torch.set_num_threads(1);
    }

    static readonly GaussianMixture Ring = Toy.Ring8();
    const int N = 2500, OnePercent = 25;
    static double Sigma => Ring.Stds[0];
    static double Radius => Math.Sqrt(Ring.Means[0][0] * Ring.Means[0][0]
        + Ring.Means[0][1] * Ring.Means[0][1]);

    static RingOutcome Classify(Tensor samples) =>
        MatchedRing.Classify(ToyMetrics.Evaluate(samples, Ring), OnePercent);

    /// <summary>n samples on the given modes (equal shares), σ as the data's.</summary>
    static Tensor OnModes(int n, params int[] modes) => MatchedRingClaimsTests.OnModes(n, 5, modes);

    /// <summary>n samples on the ring's circle at the given angles (radians) with tangential
    /// jitter.</summary>
    static Tensor OnCircle(Tensor angles) =>
        stack(new[] { angles.cos(), angles.sin() }, 1) * (float)Radius;

    [Fact]
    public void Samples_of_the_data_itself_have_converged()
    {
        using var gen = Seeds.Generator(1);
        Assert.Equal(RingOutcome.Converged, Classify(Ring.Sample(N, gen)));
    }

    [Fact]
    public void A_generator_on_one_mode_has_collapsed()
    {
        Assert.Equal(RingOutcome.Collapsed, Classify(OnModes(N, 3)));
    }

    [Fact]
    public void At_most_half_of_the_modes_is_collapse_and_more_is_partial()
    {
        Assert.Equal(RingOutcome.Collapsed, Classify(OnModes(N, 0, 2, 4, 6)));
        Assert.Equal(RingOutcome.Partial, Classify(OnModes(N, 0, 1, 2, 4, 6)));
        Assert.Equal(RingOutcome.Partial, Classify(OnModes(N, 0, 1, 2, 3, 4, 5, 6)));
    }

    [Fact]
    public void Spread_along_the_ring_between_the_modes_is_not_converged_rather_than_collapsed()
    {
        using var gen = Seeds.Generator(2);
        // midway between neighbouring modes: no sample near a mode
        var k = randint(0, 8, new long[] { N }, generator: gen).to_type(float32);
        var between = (k + 0.5f) * (float)(Math.PI / 4) + randn(new long[] { N },
            generator: gen) * 0.05f;
        Assert.Equal(RingOutcome.NotConverged, Classify(OnCircle(between)));
        // evenly around the whole circle: ≈ 8 % near a mode, on every mode a little
        var uniform = rand(new long[] { N }, generator: gen) * (float)(2 * Math.PI);
        var report = ToyMetrics.Evaluate(OnCircle(uniform), Ring);
        Assert.InRange(report.HighQualityFraction, 0.03, 0.15);
        Assert.Equal(8, report.ModesWithAtLeast(1));
        Assert.Equal(RingOutcome.NotConverged, MatchedRing.Classify(report, OnePercent));
    }

    [Fact]
    public void A_generator_off_the_data_has_not_converged()
    {
        using var gen = Seeds.Generator(3);
        Assert.Equal(RingOutcome.NotConverged, Classify(randn(new long[] { N, 2 },
            generator: gen) * 0.1f));
    }

    [Fact]
    public void Most_samples_on_one_mode_and_the_rest_between_modes_is_collapse()
    {
        using var gen = Seeds.Generator(4);
        var rest = OnCircle(rand(new long[] { N * 2 / 5 }, generator: gen) * (float)(2 * Math.PI));
        Assert.Equal(RingOutcome.Collapsed, Classify(cat(new[] { OnModes(N * 3 / 5, 1), rest })));
    }

    [Fact]
    public void The_notebooks_objective_lists_split_the_five_rows()
    {
        Assert.Equal(new[] { RingObjective.LossA, RingObjective.LossB }, MatchedRing.Notebook03);
        Assert.Equal(new[] { RingObjective.WganClip, RingObjective.WganGpToy },
            MatchedRing.Notebook07);
        Assert.Equal(5, MatchedRing.Notebook08.Count);
        Assert.Equal(5, MatchedRing.Notebook08.Select(MatchedRing.Label).Distinct().Count());
    }

    [Fact]
    public void A_tiny_run_returns_one_row_per_objective_and_read_out_step()
    {
        var options = new MatchedRingOptions
        {
            Steps = 6, Seeds = new[] { 1, 2, 3 }, ReadAt = new[] { 3 }, BatchSize = 16, Hidden = 8,
                Samples = 200,
        };
        var table = MatchedRing.Run(MatchedRing.Notebook03, options);
        Assert.Equal(4, table.Rows.Count);
        Assert.Equal(new[] { 3, 6, 3, 6 }, table.Rows.Select(r => r.Step));
        Assert.Equal(2, table.Final.Count);
        Assert.All(table.Rows, r =>
        {
            Assert.Equal(3, r.Outcomes.Count);
            Assert.Equal(3, r.Converged + r.Partial + r.Collapsed + r.NotConverged);
            Assert.Equal(2, r.Summary.MinSamples); // 1 % of 200
        });
        Assert.Contains("GAN loss B", table.ToMarkdown());
    }
    [Theory]
    [InlineData("ring")]
    [InlineData("bimodal")]
    public void Batched_toy_draws_equal_the_per_copy_draws_bit_for_bit(string which)
    {
        var target = which == "ring" ? Toy.Ring8() : Toy.Bimodal1D();
        int[] seeds = { 1, 2, 3, 4 };
        var one = seeds.Select(s => new ToyBatches(target, s)).ToList();
        var each = seeds.Select(s => new ToyBatches(target, s)).ToList();
        for (int step = 0; step < 3; step++)
        {
            using var expected = stack(one.Select(b => b.Next(64).X).ToArray());
            using var got = ToyBatches.NextEach(each, 64)!;
            Assert.True(expected.allclose(got, rtol: 0, atol: 0), $"draw {step}");
        }
        Assert.Null(ToyBatches.NextEach(new[] { new ToyBatches(Toy.SwissRoll(), 1) }, 8));
    }
    static MatchedRingRow Row(RingObjective o, Func<int, Tensor> samples)
    {
        var reports = Enumerable.Range(0, 4).Select(k => ToyMetrics.Evaluate(samples(k),
            Ring)).ToList();
        var summary = ToyMetrics.Summarise(reports);
        return new MatchedRingRow(o, o.ToString(), 100, summary,
            reports.Select(r => MatchedRing.Classify(r, summary.MinSamples)).ToList(),
                TimeSpan.Zero, 100);
    }

    [Fact]
    public void Ordering_compares_runs_on_the_data_and_is_not_converged_for_a_spread_generator()
    {
        using var gen = Seeds.Generator(6);
        var good = Row(RingObjective.WganGpToy, k => Ring.Sample(N, gen));
        var collapsed = Row(RingObjective.LossB, k => OnModes(N, k, (k + 4) % 8));
        var spread = Row(RingObjective.LossB, k => OnCircle(rand(new long[] { N },
            generator: gen) * 6.283f));
        Assert.Equal(4, collapsed.Collapsed);
        Assert.Equal(4, good.Converged);
        Assert.Equal(OrderingOutcome.Holds, MatchedRing.Ordering(collapsed, good,
            modeMargin: 2).Outcome);
        Assert.Equal(OrderingOutcome.DoesNotHold, MatchedRing.Ordering(good, collapsed,
            modeMargin: 2).Outcome);
        Assert.Equal(OrderingOutcome.NotConverged, MatchedRing.Ordering(spread, good,
            modeMargin: 2).Outcome);
    }
}
