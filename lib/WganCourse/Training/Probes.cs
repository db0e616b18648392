using WganCourse.Data;
using TorchSharp;
using WganCourse.Models;
using WganCourse.Objectives;
using WganCourse.Runtime;
using static TorchSharp.torch;

namespace WganCourse.Training;

/// <summary>Mean and standard deviation (over z-batches) of ‖∇θ_G loss‖₂.</summary>
public readonly record struct NormStats(double Mean, double Std)
{
    public static NormStats Of(IReadOnlyList<double> values)
    {
        if (values.Count == 0) throw new ArgumentException("no values");
        double m = values.Average();
        // sample standard deviation (n − 1); 0 for a single value
        double s = values.Count > 1 ? Math.Sqrt(values.Sum(v => (v - m) * (v - m)) / (values.Count - 1)) : 0;
        return new NormStats(m, s);
    }
}

/// <summary>D's accuracy: the fraction of real samples with D(x) &gt; ½ (logit &gt; 0) and of fakes with D(G(z)) &lt; ½.</summary>
public readonly record struct DiscriminatorAccuracy(double Real, double Fake)
{
    /// <summary>Accuracy on a balanced set of real and fake samples.</summary>
    public double Overall => (Real + Fake) / 2;
}

/// <summary>One row of the gradient probe: after <paramref name="CriticIterations"/> iterations of D (trained from scratch
/// against a fixed G), the norms of the generator gradients of loss A (saturating, log(1 − D(G(z)))) and loss B
/// (−log D(G(z))), and D's accuracy.</summary>
public sealed record GradientProbePoint(int CriticIterations, NormStats LossA, NormStats LossB, DiscriminatorAccuracy Accuracy, double CriticLoss);

/// <summary>The series of <see cref="Probes.GradientsWhileDLearns"/>.</summary>
public sealed record GradientProbe(IReadOnlyList<GradientProbePoint> Points)
{
    /// <summary>How many orders of magnitude the mean norm of loss A's gradient fell from the first checkpoint to the last:
    /// log10(first / last).</summary>
    public double LossADropOrders => Math.Log10(Points[0].LossA.Mean / Points[^1].LossA.Mean);
    /// <summary>log10(last / first) for loss B's mean gradient norm (positive when it grows).</summary>
    public double LossBGrowthOrders => Math.Log10(Points[^1].LossB.Mean / Points[0].LossB.Mean);

    /// <summary>Notebook 02's reading of Theorem 2.4: the bound on the gradient is ‖D − D*‖, not D's accuracy. From the
    /// first checkpoint at which D's accuracy is at least <paramref name="accuracy"/>: how far (in orders of magnitude)
    /// the chosen loss's mean gradient norm there lies below its largest value over the whole probe, and how far it falls
    /// from there to the last checkpoint. <paramref name="norm"/> picks the loss (A by default; loss B's gradient does not
    /// fall, which is how a test sees the reading fail).</summary>
    public PerfectDGradient AfterPerfect(double accuracy = 0.999, Func<GradientProbePoint, NormStats>? norm = null)
    {
        norm ??= p => p.LossA;
        int at = Points.ToList().FindIndex(p => p.Accuracy.Overall >= accuracy);
        if (at < 0) return new PerfectDGradient(null, double.NaN, double.NaN);
        double there = norm(Points[at]).Mean, peak = Points.Max(p => norm(p).Mean);
        return new PerfectDGradient(Points[at].CriticIterations, Math.Log10(peak / there),
                                    Math.Log10(there / norm(Points[^1]).Mean));
    }
}

/// <summary>See <see cref="GradientProbe.AfterPerfect"/>. <paramref name="PerfectAt"/>: the D iteration from which D is
/// (nearly) perfect, null if never; <paramref name="BelowPeakOrders"/>: log10(largest norm / norm there);
/// <paramref name="DropAfterOrders"/>: log10(norm there / last norm).</summary>
public sealed record PerfectDGradient(int? PerfectAt, double BelowPeakOrders, double DropAfterOrders)
{
    /// <summary>D became perfect before the gradient had vanished (within <paramref name="maxBelowPeak"/> orders of its
    /// largest value) and the gradient then fell by at least <paramref name="minDrop"/> orders.</summary>
    public bool Holds(double maxBelowPeak = 1, double minDrop = 2) =>
        PerfectAt is not null && BelowPeakOrders <= maxBelowPeak && DropAfterOrders >= minDrop;

    public override string ToString() => PerfectAt is int k
        ? $"perfect from D iteration {k}: {BelowPeakOrders:0.00} orders below the peak, then a drop of {DropAfterOrders:0.00}"
        : "never perfect";
}

/// <summary>
/// Measurements on a frozen G, for notebooks 02 and 03 (Arjovsky &amp; Bottou 2017, Figures 2 and 3): they took a DCGAN
/// generator, froze it, trained a discriminator from scratch and recorded the norm of the generator's gradient after
/// each number of D iterations: for the original (minimax) cost it falls by up to 5 orders of magnitude in 4000 D
/// iterations; for the −log D cost it grows, and so does its variance. Same protocol here, on small models.
/// </summary>
public static class Probes
{
    /// <summary>‖∇θ_G L‖₂ (over all of G's parameters) for <paramref name="batches"/> independent batches of z, where L is
    /// <paramref name="generatorLoss"/> of D's logits on G(z). Nothing is stepped and no .grad field is touched.</summary>
    public static double[] GeneratorGradientNorms(GeneratorNet g, CriticNet d, Func<Tensor, Tensor> generatorLoss, int batches = 10,
                                                  int batchSize = 64, Generator? zGenerator = null, Tensor? labels = null)
    {
        ArgumentNullException.ThrowIfNull(g);
        ArgumentNullException.ThrowIfNull(d);
        ArgumentNullException.ThrowIfNull(generatorLoss);
        if (batches < 1) throw new ArgumentOutOfRangeException(nameof(batches), batches, "need at least one batch");
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "batch size must be ≥ 1");
        if (g.IsConditional && labels is null) throw new ArgumentException("a conditional G needs labels (one per sample of a batch)");
        var ps = g.parameters().Where(p => p.requires_grad).Cast<Tensor>().ToArray();
        var norms = new double[batches];
        var y = labels?.to(g.Device);
        for (int b = 0; b < batches; b++)
        {
            Stop.ThrowIfRequested("Generator-gradient probe", b, batches);
            using var scope = NewDisposeScope();
            var loss = generatorLoss(d.Score(g.Generate(g.Latent(batchSize, zGenerator), y), y));
            var grads = autograd.grad(new[] { loss }, ps, allow_unused: true);
            var sq = grads.Where(t => t is not null && !t.IsInvalid).Select(t => t.pow(2).sum()).ToList();
            norms[b] = sq.Count == 0 ? 0 : stack(sq).sum().sqrt().item<float>();
        }
        return norms;
    }

    /// <summary>
    /// Trains a discriminator between two fixed sample sources (no generator at all: Pg is given by its sampler, e.g. a
    /// 1-D mixture with a known density) with the GAN discriminator loss, for <paramref name="steps"/> steps of
    /// <paramref name="batchSize"/> real and fake samples; <paramref name="optimizer"/> defaults to Adam(2e-4, β = (0.5, 0.999)).
    /// Both sources are reset to <paramref name="seed"/> (the fake one to a derived seed). Returns the mean D loss of the
    /// last 10 % of the steps. Compare D afterwards with <see cref="WganCourse.Divergences.Classic.OptimalDiscriminator"/>.
    /// </summary>
    public static double TrainDiscriminator(CriticNet d, IBatchSource real, IBatchSource fake, int steps, int batchSize = 256,
                                            OptimizerSpec? optimizer = null, int? seed = Seeds.Default, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(d);
        ArgumentNullException.ThrowIfNull(real);
        ArgumentNullException.ThrowIfNull(fake);
        if (steps < 1) throw new ArgumentOutOfRangeException(nameof(steps), steps, "steps must be ≥ 1");
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "batch size must be ≥ 1");
        if (d.IsConditional) throw new ArgumentException("TrainDiscriminator is for unconditional discriminators");
        var dev = device ?? Devices.Current;
        d.to(dev);
        d.train();
        if (seed is int s) { real.Reset(s); fake.Reset(Trainer.LatentSeed(s)); }
        var spec = optimizer ?? new GanSaturating().CriticOptimizer;
        using var opt = spec.Create(d.parameters());
        int tail = Math.Max(1, steps / 10);
        using var acc = zeros(tail, device: dev);
        CriticLoop.Run(opt, steps,
            () => GanLosses.Discriminator(d.Score(real.Next(batchSize).X.to(dev), null), d.Score(fake.Next(batchSize).X.to(dev), null)),
            () => { },
            i => Stop.ThrowIfRequested("Discriminator training", i, steps), // D and its optimizer stay at step i
            (i, loss) => { if (i >= steps - tail) acc[i - (steps - tail)].copy_(loss); });
        return CriticLoop.FiniteMean(acc, steps - tail, "discriminator loss", $"D between fixed samplers; {spec}");
    }

    /// <summary>D(x) = σ(logit) of a 1-D discriminator at every grid point (to plot over D* and measure the error).</summary>
    public static double[] DiscriminatorOnGrid(CriticNet d, IReadOnlyList<double> grid)
    {
        ArgumentNullException.ThrowIfNull(d);
        ArgumentNullException.ThrowIfNull(grid);
        if (grid.Count == 0) throw new ArgumentException("empty grid");
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var x = tensor(grid.Select(v => (float)v).ToArray()).unsqueeze(1).to(d.Device);
        return sigmoid(d.Score(x, null)).to_type(float64).cpu().data<double>().ToArray();
    }

    /// <summary>D's accuracy on <paramref name="n"/> real samples from <paramref name="data"/> and n fakes from G.</summary>
    public static DiscriminatorAccuracy Accuracy(GeneratorNet g, CriticNet d, IBatchSource data, int n = 1000, Generator? zGenerator = null)
    {
        ArgumentNullException.ThrowIfNull(g);
        ArgumentNullException.ThrowIfNull(d);
        ArgumentNullException.ThrowIfNull(data);
        if (n < 1) throw new ArgumentOutOfRangeException(nameof(n), n, "need at least one sample");
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var (x, yCpu) = data.Next(n);
        var y = g.IsConditional ? (yCpu ?? throw new ArgumentException("conditional models need labelled batches")).to(d.Device) : null;
        var real = d.Score(x.to(d.Device), y);
        var fake = d.Score(g.Generate(g.Latent(n, zGenerator), y), y);
        return new DiscriminatorAccuracy((real > 0).to_type(float64).mean().item<double>(), (fake < 0).to_type(float64).mean().item<double>());
    }

    /// <summary>Accuracy of a discriminator between two fixed samplers (no G): <paramref name="n"/> samples of each, drawn
    /// from a private generator seeded with <paramref name="seed"/>; real counts as right when D(x) &gt; ½, fake when D(x) &lt; ½.</summary>
    public static DiscriminatorAccuracy Accuracy(CriticNet d, IToyDistribution real, IToyDistribution fake, int n = 1000, int seed = Seeds.Default)
    {
        ArgumentNullException.ThrowIfNull(d);
        ArgumentNullException.ThrowIfNull(real);
        ArgumentNullException.ThrowIfNull(fake);
        if (n < 1) throw new ArgumentOutOfRangeException(nameof(n), n, "need at least one sample");
        if (d.IsConditional) throw new ArgumentException("this accuracy is for unconditional discriminators");
        if (real.Dim != fake.Dim) throw new ArgumentException($"real samples are {real.Dim}-D but fake samples are {fake.Dim}-D");
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        using var gen = Seeds.Generator(seed);
        var r = d.Score(real.Sample(n, gen).to(d.Device), null);
        var f = d.Score(fake.Sample(n, gen).to(d.Device), null);
        return new DiscriminatorAccuracy((r > 0).to_type(float64).mean().item<double>(), (f < 0).to_type(float64).mean().item<double>());
    }

    /// <summary>
    /// Freezes G, trains <paramref name="freshCritic"/> (which should be freshly initialised) with the GAN discriminator
    /// loss and <paramref name="criticOptimizer"/> (default: the course's Adam 2e-4, β = (0.5, 0.999)), and at every
    /// checkpoint (cumulative D iterations, ascending; 0 = untrained D) measures the generator-gradient norms of loss A
    /// and loss B over <paramref name="gradBatches"/> batches (the same z for A and B, fixed across checkpoints), and D's
    /// accuracy. <paramref name="seed"/> resets <paramref name="data"/> and seeds private generators for every z (D's
    /// training fakes, the gradient batches, the accuracy fakes), so the probe does not touch libtorch's global generator.
    /// </summary>
    public static GradientProbe GradientsWhileDLearns(GeneratorNet g, CriticNet freshCritic, IBatchSource data, IReadOnlyList<int> checkpoints,
                                                      int batchSize = 64, int gradBatches = 10, OptimizerSpec? criticOptimizer = null,
                                                      int? seed = Seeds.Default, Device? device = null, Action<GradientProbePoint>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(checkpoints);
        if (checkpoints.Count == 0) throw new ArgumentException("give at least one checkpoint (cumulative D iterations)", nameof(checkpoints));
        for (int i = 0; i < checkpoints.Count; i++)
            if (checkpoints[i] < 0 || (i > 0 && checkpoints[i] <= checkpoints[i - 1]))
                throw new ArgumentException($"checkpoints must be non-negative and strictly increasing, got [{string.Join(", ", checkpoints)}]", nameof(checkpoints));
        if (g.IsConditional) throw new ArgumentException("the gradient probe is for unconditional models");
        var gan = new GanSaturating(); // only its discriminator loss is used: the same for loss A and loss B
        using var trainer = new CriticOnly(gan, g, freshCritic, data, batchSize, criticOptimizer, device, seed);
        var points = new List<GradientProbePoint>();
        double lastLoss = double.NaN;
        foreach (var c in checkpoints)
        {
            Stop.ThrowIfRequested("Gradient probe", points.Count, checkpoints.Count, new GradientProbe(points.ToList()));
            if (c > trainer.Iterations) lastLoss = trainer.Train(c - trainer.Iterations);
            using var zA = Seeds.Generator(seed ?? Seeds.Default);
            var a = GeneratorGradientNorms(g, freshCritic, GanLosses.GeneratorSaturating, gradBatches, batchSize, zA);
            using var zB = Seeds.Generator(seed ?? Seeds.Default);
            var b = GeneratorGradientNorms(g, freshCritic, GanLosses.GeneratorNonSaturating, gradBatches, batchSize, zB);
            using var zAcc = Seeds.Generator((seed ?? Seeds.Default) + 1);
            var acc = Accuracy(g, freshCritic, data, 1000, zAcc);
            var point = new GradientProbePoint(c, NormStats.Of(a), NormStats.Of(b), acc, lastLoss);
            points.Add(point);
            progress?.Invoke(point);
        }
        return new GradientProbe(points);
    }
}
