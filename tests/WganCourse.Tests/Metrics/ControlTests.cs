using TorchSharp;
using TorchSharp.Modules;
using WganCourse.Data;
using WganCourse.Metrics;
using WganCourse.Models;
using WganCourse.Runtime;
using Xunit;
using static TorchSharp.torch;

namespace WganCourse.Tests.Metrics;

/// <summary>
/// A "perfect" conditional generator: for y = k it returns real held-out digits of class k, the first one for the
/// first request of k in a call, the second for the second, and so on.
/// </summary>
sealed class RealDigitsGenerator : GeneratorNet
{
    readonly Tensor[] byClass;
    public RealDigitsGenerator(ImageSet set) : base("RealDigitsGenerator")
    {
        byClass = Enumerable.Range(0, 10).Select(k => set.Images.index_select(0, set.Labels.eq(k).nonzero().squeeze(1))).ToArray();
        register_parameter("anchor", new Parameter(zeros(1)));
    }
    public override int LatentDim => 2;
    public override bool IsConditional => true;
    public Tensor FirstOfClass(int k, int n) => byClass[k][..n];
    public override Tensor Generate(Tensor z, Tensor? labels)
    {
        var seen = new int[10];
        return cat(labels!.data<long>().ToArray().Select(k => byClass[k][seen[k]++].unsqueeze(0)).ToList(), 0);
    }
    public override Tensor forward(Tensor z) => throw new InvalidOperationException("conditional");
}

/// <summary>Writes its inputs into the image: pixel (0, 0) = y, pixel (0, 1) = z[0] (a conditional probe), or pixels 0..d−1 = z.</summary>
sealed class ProbeGenerator : GeneratorNet
{
    readonly bool conditional;
    readonly int latentDim;
    public ProbeGenerator(bool conditional, int latentDim = 3) : base("ProbeGenerator")
    {
        (this.conditional, this.latentDim) = (conditional, latentDim);
        register_parameter("anchor", new Parameter(zeros(1))); // GeneratorNet.Device reads its parameters
    }
    public override int LatentDim => latentDim;
    public override bool IsConditional => conditional;
    public override Tensor Generate(Tensor z, Tensor? labels)
    {
        if (!conditional) return forward(z);
        var img = zeros(z.shape[0], 784);
        img[.., 0] = labels!.to_type(ScalarType.Float32);
        img[.., 1] = z[.., 0];
        return img.view(-1, 1, 28, 28);
    }
    public override Tensor forward(Tensor z) => nn.functional.pad(z, new long[] { 0, 784 - latentDim }).view(-1, 1, 28, 28);
}

[Collection(ClassifierCollection.Name)]
public class ControlTests(ClassifierFixture fixture)
{
    [Fact]
    public void A_generator_that_returns_real_digits_of_the_requested_class_scores_the_classifiers_accuracy()
    {
        using var perfect = new RealDigitsGenerator(fixture.HeldOut);
        const int n = 80;
        var report = Control.Accuracy(perfect, fixture.Classifier, perClass: n, seed: 1);

        // exactly the classifier's accuracy on the images it was handed ...
        for (int k = 0; k < 10; k++)
        {
            var expected = fixture.Classifier.Accuracy(perfect.FirstOfClass(k, n), full(new long[] { n }, (long)k, dtype: ScalarType.Int64));
            Assert.Equal(expected, report.PerClass[k], 12);
            Assert.Equal(n, report.Confusion[k].Sum());
        }
        Assert.Equal(report.PerClass.Average(), report.Overall, 12);
        // ... and close to its held-out accuracy (800 of the 2000 held-out digits)
        Assert.True(Math.Abs(report.Overall - fixture.Classifier.HeldOutAccuracy) < 0.03,
                    $"control accuracy {report.Overall:P2} vs held-out accuracy {fixture.Classifier.HeldOutAccuracy:P2}");
        Assert.True(report.Overall > 10 * ControlReport.Chance * 0.85);
    }

    [Fact]
    public void A_generator_that_ignores_the_label_scores_near_chance()
    {
        using var ignoring = new RealDigitsGenerator(fixture.HeldOut);
        // wrap: always draw class 0's digits whatever was asked → only row 0 can be right
        var report = Control.Accuracy(new LabelOverride(ignoring), fixture.Classifier, perClass: 20); // 200 requests of class 0: the held-out set has 201
        Assert.True(report.PerClass[0] > 0.8);
        Assert.All(report.PerClass[1..], a => Assert.True(a < 0.1));
        Assert.InRange(report.Overall, 0.05, 0.2);
    }

    // ---- the claims of notebook 04 fail on broken inputs ----

    [Fact]
    public void Claim_04_control_holds_for_a_generator_that_draws_the_requested_digit()
    {
        using var perfect = new RealDigitsGenerator(fixture.HeldOut);
        var report = Control.Accuracy(perfect, fixture.Classifier, perClass: 20, seed: 1);
        Assert.True(report.FarAboveChance, report.Summary);
    }

    [Fact]
    public void Claim_04_control_fails_for_an_untrained_generator()
    {
        using var untrained = new ConditionalMlpGenerator(seed: 1, batchNorm: true, device: CPU);
        var report = Control.Accuracy(untrained, fixture.Classifier, perClass: 20, seed: 1);
        Assert.False(report.FarAboveChance, report.Summary);
    }

    [Fact]
    public void Claim_04_control_fails_for_a_generator_that_ignores_the_label()
    {
        using var inner = new RealDigitsGenerator(fixture.HeldOut);
        // real, well-drawn digits — but always the digit the *z* picks, never the one asked for
        using var ignoring = new IgnoresLabel(inner);
        var report = Control.Accuracy(ignoring, fixture.Classifier, perClass: 15, seed: 1);
        Assert.False(report.FarAboveChance, report.Summary);
        Assert.InRange(report.Overall, 0.0, 0.25);
        // and the single-class variant of the test above
        using var zeroOnly = new LabelOverride(inner);
        Assert.False(Control.Accuracy(zeroOnly, fixture.Classifier, perClass: 20).FarAboveChance);
    }

    [Fact]
    public void Claim_04_classifier_fails_for_an_untrained_classifier()
    {
        using var untrained = new DigitClassifier(seed: 3, device: CPU);
        Assert.True(untrained.Accuracy(fixture.HeldOut) < 0.95);   // the claim's threshold
        Assert.True(fixture.Classifier.Accuracy(fixture.HeldOut) > untrained.Accuracy(fixture.HeldOut) + 0.5);
    }

    [Fact]
    public void Readings_of_an_unconditional_generator_are_a_histogram_over_the_digits()
    {
        using var inner = new RealDigitsGenerator(fixture.HeldOut);
        using var sevens = new Unconditional(inner, digit: 7);
        var r = Control.Readings(sevens, fixture.Classifier, n: 50, seed: 2);
        Assert.Equal(10, r.Length);
        Assert.Equal(1.0, r.Sum(), 9);
        Assert.True(r[7] > 0.8, string.Join(", ", r));
        Assert.Contains("is conditional", Assert.Throws<ArgumentException>(() => Control.Readings(inner, fixture.Classifier, 10)).Message);
    }

    /// <summary>Returns real digits of class ⌊|z₀|·10⌋ mod 10 whatever label was asked for.</summary>
    sealed class IgnoresLabel : GeneratorNet
    {
        readonly RealDigitsGenerator inner;
        public IgnoresLabel(RealDigitsGenerator inner) : base("IgnoresLabel")
        {
            this.inner = inner;
            register_parameter("anchor", new Parameter(zeros(1)));
        }
        public override int LatentDim => 2;
        public override bool IsConditional => true;
        public override Tensor Generate(Tensor z, Tensor? labels) =>
            inner.Generate(z, (z[.., 0].abs() * 10).floor().to_type(ScalarType.Int64).remainder(10));
        public override Tensor forward(Tensor z) => throw new InvalidOperationException();
    }

    /// <summary>An unconditional G that draws real digits of one class.</summary>
    sealed class Unconditional : GeneratorNet
    {
        readonly RealDigitsGenerator inner;
        readonly int digit;
        public Unconditional(RealDigitsGenerator inner, int digit) : base("Unconditional")
        {
            (this.inner, this.digit) = (inner, digit);
            register_parameter("anchor", new Parameter(zeros(1)));
        }
        public override int LatentDim => 2;
        public override Tensor forward(Tensor z) => inner.Generate(z, full(new long[] { z.shape[0] }, (long)digit, dtype: ScalarType.Int64));
    }

    sealed class LabelOverride : GeneratorNet
    {
        readonly RealDigitsGenerator inner;
        public LabelOverride(RealDigitsGenerator inner) : base("LabelOverride")
        {
            this.inner = inner;
            register_parameter("anchor", new Parameter(zeros(1)));
        }
        public override int LatentDim => 2;
        public override bool IsConditional => true;
        public override Tensor Generate(Tensor z, Tensor? labels) => inner.Generate(z, zeros_like(labels!));
        public override Tensor forward(Tensor z) => throw new InvalidOperationException();
    }
}

public class GridAndInterpolationTests
{
    public GridAndInterpolationTests() => Course.Setup();

    static ProbeGenerator Probe(bool conditional, int latentDim = 3) => new(conditional, latentDim);

    [Fact]
    public void The_grid_has_one_row_per_digit_and_one_z_per_column()
    {
        using var g = Probe(conditional: true);
        var grid = Control.Grid(g, seed: 3);
        Assert.Equal(new long[] { 100, 1, 28, 28 }, grid.shape);
        var flat = grid.view(100, 784);
        for (int k = 0; k < 10; k++)
            for (int j = 0; j < 10; j++)
            {
                Assert.Equal(k, flat[k * 10 + j, 0].item<float>());
                Assert.Equal(flat[j, 1].item<float>(), flat[k * 10 + j, 1].item<float>()); // column j: the same z in every row
            }
        Assert.NotEqual(flat[0, 1].item<float>(), flat[1, 1].item<float>());
        Assert.True(grid.eq(Control.Grid(g, seed: 3)).all().item<bool>());
        Assert.Equal(new long[] { 40, 1, 28, 28 }, Control.Grid(g, seed: 3, columns: 4).shape);
    }

    [Fact]
    public void Grid_and_control_refuse_an_unconditional_generator()
    {
        using var g = Probe(conditional: false);
        Assert.Contains("is unconditional", Assert.Throws<ArgumentException>(() => Control.Grid(g)).Message);
    }

    [Fact]
    public void Linear_interpolation_walks_in_equal_steps_from_g_of_z0_to_g_of_z1()
    {
        using var g = Probe(conditional: false, latentDim: 3);
        var z0 = tensor(new float[] { 1, 0, -2 }); var z1 = tensor(new float[] { 3, 4, 0 });
        var frames = Images.Interpolate(g, z0, z1, steps: 5);
        Assert.Equal(new long[] { 5, 1, 28, 28 }, frames.shape);
        var firstPixels = frames.view(5, 784)[.., ..3];
        var expected = tensor(new float[] { 1, 0, -2, 1.5f, 1, -1.5f, 2, 2, -1, 2.5f, 3, -0.5f, 3, 4, 0 }).view(5, 3);
        Assert.True(firstPixels.allclose(expected, rtol: 1e-6, atol: 1e-6));
        var steps = Images.StepDistances(frames);
        Assert.Equal(4, steps.Length);
        var each = Math.Sqrt((0.25 + 1 + 0.25) / 784.0);                  // |Δz| per step = (0.5, 1, 0.5), spread over 784 pixels
        Assert.All(steps, s => Assert.Equal(each, s, 6));
    }

    [Fact]
    public void Slerp_keeps_the_norm_where_the_linear_midpoint_shrinks()
    {
        using var g = Probe(conditional: false, latentDim: 2);
        var z0 = tensor(new float[] { 2, 0 }); var z1 = tensor(new float[] { 0, 2 });
        var lin = Images.Interpolate(g, z0, z1, steps: 3).view(3, 784)[.., ..2];
        var sph = Images.Interpolate(g, z0, z1, steps: 3, spherical: true).view(3, 784)[.., ..2];
        Assert.Equal(Math.Sqrt(2), lin[1].norm().item<float>(), 5);         // (1, 1)
        Assert.Equal(2.0, sph[1].norm().item<float>(), 5);                  // (√2, √2)
        Assert.True(sph[0].allclose(z0) && sph[2].allclose(z1, atol: 1e-6));
    }

    [Fact]
    public void Interpolation_checks_its_inputs()
    {
        using var u = Probe(conditional: false, latentDim: 3);
        using var c = Probe(conditional: true, latentDim: 3);
        var z = zeros(3);
        Assert.Contains("z1 must have shape [3] or [1, 3], got [4]", Assert.Throws<ArgumentException>(() => Images.Interpolate(u, z, zeros(4), 5)).Message);
        Assert.Contains("is conditional: pass the digit", Assert.Throws<ArgumentException>(() => Images.Interpolate(c, z, z, 5)).Message);
        Assert.Contains("is unconditional", Assert.Throws<ArgumentException>(() => Images.Interpolate(u, z, z, 5, label: 3)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Images.Interpolate(u, z, z, 1));
        var withLabel = Images.Interpolate(c, z, ones(3), 4, label: 7).view(4, 784);
        Assert.True(withLabel[.., 0].eq(7).all().item<bool>());
    }
}
