using WganCourse.Metrics;
using Xunit;

namespace WganCourse.Tests.Metrics;

public class BimodalityTests
{
    [Fact]
    public void Two_spikes_read_as_bimodal_one_bump_does_not()
    {
        var rng = new Random(1);
        double Normal() => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
        var bump = Enumerable.Range(0, 20_000).Select(_ => Normal()).ToList();
        var spikes = Enumerable.Range(0, 20_000).Select(i => (i % 2 == 0 ? 0.01 : -0.01) + 1e-5 * Normal()).ToList();
        var uniform = Enumerable.Range(0, 20_000).Select(_ => rng.NextDouble()).ToList();
        Assert.InRange(Bimodality.Coefficient(bump), 0.30, 0.36);          // 1/3 for a normal
        Assert.InRange(Bimodality.Coefficient(uniform), 0.54, 0.57);       // 5/9 for a uniform
        Assert.True(Bimodality.Coefficient(spikes) > 0.95);                  // → 1 for two spikes
        Assert.True(Bimodality.Coefficient(bump) < Bimodality.Threshold);
        Assert.True(Bimodality.Coefficient(spikes) > Bimodality.Threshold);
    }

    [Fact]
    public void Degenerate_inputs_are_refused()
    {
        Assert.Throws<ArgumentException>(() => Bimodality.Coefficient(new double[] { 1, 2, 3 }));
        Assert.Throws<ArgumentException>(() => Bimodality.Coefficient(new double[] { 1, 1, 1, 1 }));
        Assert.Throws<ArgumentException>(() => Bimodality.Coefficient(new double[] { 1, 2, 3, double.NaN }));
    }
}
