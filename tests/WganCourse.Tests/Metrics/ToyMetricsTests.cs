using TorchSharp;
using WganCourse.Data;
using WganCourse.Metrics;
using WganCourse.Runtime;
using Xunit;
using static TorchSharp.torch;

namespace WganCourse.Tests.Metrics;

public class ToyMetricsTests
{
    public ToyMetricsTests() => Course.Setup();

    static readonly GaussianMixture Ring = Toy.Ring8();
    static double Sigma => Ring.Stds[0];

    static Tensor Points(params double[][] p) => tensor(p.SelectMany(v => v).ToArray(), dtype: float32).reshape(p.Length, 2);
    static double[] Offset(double[] m, double dx, double dy = 0) => new[] { m[0] + dx, m[1] + dy };

    [Fact]
    public void Constructed_samples_give_the_counted_modes_quality_and_histogram()
    {
        var m = Ring.Means;
        // 2 samples at mode 0, 1 at 2.9σ from mode 3, 1 at 3.1σ from mode 5 (not covered), 1 at the origin
        using var x = Points(m[0], Offset(m[0], Sigma), Offset(m[3], 0, 2.9 * Sigma), Offset(m[5], 3.1 * Sigma), new[] { 0.0, 0 });
        var r = ToyMetrics.Evaluate(x, Ring);
        Assert.Equal(2, r.ModesCovered);
        Assert.Equal(8, r.ModeCount);
        Assert.Equal(3.0 / 5, r.HighQualityFraction, 12);
        Assert.Equal(new[] { 2, 0, 0, 1, 0, 0, 0, 0 }, r.Counts);
        // p = (2/3, 1/3) on two of 8 uniform modes: KL = 2/3 log(16/3) + 1/3 log(8/3)
        Assert.Equal(2.0 / 3 * Math.Log(16.0 / 3) + 1.0 / 3 * Math.Log(8.0 / 3), r.ReverseKl, 6);
        Assert.Equal(r.ModesCovered, ToyMetrics.ModesCovered(x, Ring));
        Assert.Equal(r.HighQualityFraction, ToyMetrics.HighQualityFraction(x, Ring));
        Assert.Equal(3, ToyMetrics.ModesCovered(x, Ring, kSigma: 3.2)); // the 3.1σ sample counts with a wider radius
        Assert.Equal(1, ToyMetrics.ModesCovered(x, Ring, minSamples: 2)); // only mode 0 has two samples
    }

    [Fact]
    public void Collapse_on_one_mode_scores_log_K_and_the_target_itself_scores_near_zero()
    {
        using var collapsed = Points(Enumerable.Repeat(Ring.Means[6], 100).ToArray());
        Assert.Equal(1, ToyMetrics.ModesCovered(collapsed, Ring));
        Assert.Equal(Math.Log(8), ToyMetrics.ReverseKl(collapsed, Ring), 12);
        // add-½ smoothing: p = (100.5, 0.5 ×7)/104
        double p1 = 100.5 / 104, p0 = 0.5 / 104;
        Assert.Equal(p1 * Math.Log(8 * p1) + 7 * p0 * Math.Log(8 * p0), ToyMetrics.ReverseKl(collapsed, Ring, pseudoCount: 0.5), 6);

        using var real = Ring.Sample(20_000, Seeds.Generator(1));
        var r = ToyMetrics.Evaluate(real, Ring);
        Assert.Equal(8, r.ModesCovered);
        Assert.Equal(1 - Math.Exp(-4.5), r.HighQualityFraction, 2);   // the 2-D χ² mass within 3σ: 0.9889
        Assert.True(r.ReverseKl < 0.001, $"reverse KL of the target's own samples {r.ReverseKl}");
    }

    [Fact]
    public void No_high_quality_sample_gives_infinite_reverse_KL_and_bad_input_is_rejected()
    {
        using var far = Points(new[] { 10.0, 10 });
        Assert.Equal(0, ToyMetrics.ModesCovered(far, Ring));
        Assert.Equal(double.PositiveInfinity, ToyMetrics.ReverseKl(far, Ring));
        Assert.Equal(0, ToyMetrics.ReverseKlOfCounts(new[] { 5, 5 }, new[] { 0.5, 0.5 }), 15);
        using var wrong = zeros(4, 3);
        var ex = Assert.Throws<ArgumentException>(() => ToyMetrics.Evaluate(wrong, Ring));
        Assert.Contains("[n ≥ 1, 2]", ex.Message);
        Assert.Contains("[4, 3]", ex.Message);
    }

    [Fact]
    public void One_dimensional_mixtures_work_too()
    {
        var bimodal = Toy.Bimodal1D(); // modes −2 and 2, σ 0.5
        using var x = tensor(new float[] { -2.2f, -0.6f, 3.4f, 0f }).unsqueeze(1);
        var r = ToyMetrics.Evaluate(x, bimodal);
        Assert.Equal(2, r.ModesCovered);                 // −2.2 (0.4σ), 3.4 (2.8σ); −0.6 is 2.8σ from −2 too
        Assert.Equal(new[] { 2, 1 }, r.Counts);
        Assert.Equal(0.75, r.HighQualityFraction, 12);
    }
}
