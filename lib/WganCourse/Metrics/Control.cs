using TorchSharp;
using WganCourse.Models;
using WganCourse.Runtime;
using static TorchSharp.torch;

namespace WganCourse.Metrics;

/// <summary>How often the classifier reads the digit a conditional generator was asked for.</summary>
/// <param name="PerClass">accuracy for requested digit k = 0..9.</param>
/// <param name="Overall">accuracy over all requested samples (the mean of <paramref name="PerClass"/>: classes are balanced).</param>
/// <param name="PerClassCount">samples generated per digit.</param>
/// <param name="Confusion">Confusion[k][j]: how many samples requested as k were read as j.</param>
public sealed record ControlReport(double[] PerClass, double Overall, int PerClassCount, int[][] Confusion)
{
    /// <summary>Chance level for ten balanced classes.</summary>
    public const double Chance = 0.1;

    /// <summary>Notebook 04's claim, stated before measuring: overall control accuracy at least six times chance ...</summary>
    public const double OverallThreshold = 0.6;
    /// <summary>... and no requested digit below three times chance (a G that ignores y scores ≈ chance on average).</summary>
    public const double PerDigitThreshold = 0.3;

    /// <summary>The lowest per-digit accuracy.</summary>
    public double Weakest => PerClass.Min();
    /// <summary>The requested digit with the lowest accuracy.</summary>
    public int WeakestDigit => Array.IndexOf(PerClass, Weakest);

    /// <summary>
    /// The claim "the classifier reads G(z, y = k) as k far above chance": overall ≥ <see cref="OverallThreshold"/> and
    /// every digit ≥ <see cref="PerDigitThreshold"/>. Fails for an untrained G and for a G that ignores y.
    /// </summary>
    public bool FarAboveChance => Overall >= OverallThreshold && Weakest >= PerDigitThreshold;

    /// <summary>One line for a claim's "measured" field.</summary>
    public string Summary => $"overall {Overall:0.000}, min per digit {Weakest:0.000} (digit {WeakestDigit})";
}

/// <summary>Control of a conditional generator (CGAN, notebook 04): does G(z, y = k) look like a k?</summary>
public static class Control
{
    /// <summary>
    /// Generates <paramref name="perClass"/> samples for every digit k (z from <paramref name="seed"/>, G in eval
    /// mode, no gradients), classifies them, and returns the per-class and overall control accuracy.
    /// </summary>
    public static ControlReport Accuracy(GeneratorNet generator, DigitClassifier classifier, int perClass, int seed = Seeds.Default, int batch = 500)
    {
        RequireConditional(generator);
        if (perClass <= 0) throw new ArgumentOutOfRangeException(nameof(perClass), perClass, "samples per class must be positive");
        using var scope = NewDisposeScope();
        using var g = Seeds.Generator(seed);
        var requested = ClassLabels.Balanced(perClass, generator.Device);
        var z = generator.Latent(ClassLabels.Count * perClass, g);
        var images = Generate(generator, z, requested, batch);
        var predicted = classifier.Predict(images).to(CPU);
        var req = requested.to(CPU);
        var confusionFlat = bincount(req * ClassLabels.Count + predicted, minlength: ClassLabels.Count * ClassLabels.Count).data<long>().ToArray();
        var confusion = Enumerable.Range(0, ClassLabels.Count)
            .Select(k => Enumerable.Range(0, ClassLabels.Count).Select(j => (int)confusionFlat[k * ClassLabels.Count + j]).ToArray()).ToArray();
        var perClassAcc = Enumerable.Range(0, ClassLabels.Count).Select(k => confusion[k][k] / (double)perClass).ToArray();
        return new ControlReport(perClassAcc, perClassAcc.Average(), perClass, confusion);
    }

    /// <summary>
    /// What an unconditional G draws: the fraction of <paramref name="n"/> samples (z from <paramref name="seed"/>, G in
    /// eval mode) that the classifier reads as each digit 0–9. There is no input through which to ask for a digit: this
    /// histogram is all an unconditional G offers (notebook 04, the "too free" problem).
    /// </summary>
    public static double[] Readings(GeneratorNet generator, DigitClassifier classifier, int n, int seed = Seeds.Default)
    {
        if (generator.IsConditional)
            throw new ArgumentException($"{generator.GetName()} is conditional: use Control.Accuracy to ask it for each digit.");
        if (n <= 0) throw new ArgumentOutOfRangeException(nameof(n), n, "sample count must be positive");
        using var scope = NewDisposeScope();
        using var g = Seeds.Generator(seed);
        var images = Generate(generator, generator.Latent(n, g), null, 500);
        var counts = bincount(classifier.Predict(images).to(CPU), minlength: ClassLabels.Count).data<long>().ToArray();
        return counts.Select(c => c / (double)n).ToArray();
    }

    /// <summary>
    /// A grid for display: [10·<paramref name="columns"/>, 1, 28, 28], row k (images k·columns … k·columns + columns − 1)
    /// asks for digit k. Column j uses the same z in every row, so a column shows one "style" written as each digit.
    /// </summary>
    public static Tensor Grid(GeneratorNet generator, int seed = Seeds.Default, int columns = 10)
    {
        RequireConditional(generator);
        if (columns <= 0) throw new ArgumentOutOfRangeException(nameof(columns), columns, "columns must be positive");
        using var scope = NewDisposeScope();
        using var g = Seeds.Generator(seed);
        var z = generator.Latent(columns, g).repeat(ClassLabels.Count, 1); // row k: z_0 … z_{columns−1}
        var labels = ClassLabels.Balanced(columns, generator.Device);
        return Generate(generator, z, labels, 500).MoveToOuterDisposeScope();
    }

    /// <summary>G(z, y) in eval mode without gradients, in chunks of <paramref name="batch"/>.</summary>
    internal static Tensor Generate(GeneratorNet generator, Tensor z, Tensor? labels, int batch)
    {
        var wasTraining = generator.training;
        generator.eval();
        try
        {
            using var _ = no_grad();
            var parts = new List<Tensor>();
            for (long i = 0; i < z.shape[0]; i += batch)
            {
                var slice = TensorIndex.Slice(i, Math.Min(z.shape[0], i + batch));
                parts.Add(generator.Generate(z[slice], labels?[slice]));
            }
            return cat(parts, 0);
        }
        finally { if (wasTraining) generator.train(); }
    }

    static void RequireConditional(GeneratorNet generator)
    {
        if (!generator.IsConditional)
            throw new ArgumentException($"{generator.GetName()} is unconditional: control accuracy needs a conditional generator G(z, y).");
    }
}

/// <summary>
/// Straight paths through a generator's latent space, measured (notebook 05): per path the largest frame-to-frame change
/// over the end-to-end change and over the median change, and how confidently the digit classifier reads the frames.
/// </summary>
/// <param name="Frames">[paths · steps, 1, 28, 28], one path after another.</param>
/// <param name="StepSizes">per path, the RMS pixel change of each transition.</param>
/// <param name="MaxOverEnds">per path, the largest transition over the RMS distance between the end frames.</param>
/// <param name="MaxOverMedian">per path, the largest transition over the median transition.</param>
/// <param name="Confidence">mean over all frames of the classifier's largest softmax probability (0.1 = no idea).</param>
public sealed record LatentWalk(Tensor Frames, double[][] StepSizes, double[] MaxOverEnds, double[] MaxOverMedian, double Confidence)
{
    /// <summary>No transition carries more than half of the end-to-end change ...</summary>
    public const double MaxOverEndsLimit = 0.5;
    /// <summary>... or more than 3× the median transition: no jump.</summary>
    public const double MaxOverMedianLimit = 3;
    /// <summary>The frames are read as digits: on average more than half of the classifier's probability on one digit.</summary>
    public const double ConfidenceThreshold = 0.5;

    public bool Smooth => MaxOverEnds.All(v => v <= MaxOverEndsLimit) && MaxOverMedian.All(v => v <= MaxOverMedianLimit);
    public bool ReadAsDigits => Confidence >= ConfidenceThreshold;
    /// <summary>Notebook 05's interpolation claim: smooth (any continuous G is) and made of frames read as digits (an
    /// untrained G's are not).</summary>
    public bool Holds => Smooth && ReadAsDigits;
    public string Summary => $"worst path: max/ends {MaxOverEnds.Max():0.00}, max/median {MaxOverMedian.Max():0.00}; "
                             + $"mean confidence {Confidence:0.00}";
}

/// <summary>Image paths through a generator's latent space (notebook 05).</summary>
public static class Images
{
    /// <summary>
    /// G along the path from z0 to z1 in <paramref name="steps"/> frames (both ends included): [steps, 1, 28, 28], G
    /// in eval mode, no gradients. Linear interpolation z(t) = (1 − t) z0 + t z1 by default, as in the DCGAN paper's
    /// "walking in the latent space"; with <paramref name="spherical"/> = true, slerp (White 2016), which keeps
    /// |z| near the typical radius √d of a Gaussian latent where the linear midpoint falls inside it.
    /// z0 and z1 are [LatentDim] or [1, LatentDim]; a conditional G takes one <paramref name="label"/> for the whole path.
    /// </summary>
    public static Tensor Interpolate(GeneratorNet generator, Tensor z0, Tensor z1, int steps, bool spherical = false, int? label = null)
    {
        if (steps < 2) throw new ArgumentOutOfRangeException(nameof(steps), steps, "an interpolation needs at least 2 frames (the two ends)");
        int d = generator.LatentDim;
        foreach (var (z, name) in new[] { (z0, "z0"), (z1, "z1") })
            if (!(z.dim() == 1 && z.shape[0] == d) && !(z.dim() == 2 && z.shape[0] == 1 && z.shape[1] == d))
                throw new ArgumentException($"{name} must have shape [{d}] or [1, {d}], got [{string.Join(", ", z.shape)}].");
        if (generator.IsConditional && label is null)
            throw new ArgumentException($"{generator.GetName()} is conditional: pass the digit to draw along the path as label (0–9).");
        if (!generator.IsConditional && label is not null)
            throw new ArgumentException($"{generator.GetName()} is unconditional: call Interpolate without a label.");
        if (label is < 0 or >= ClassLabels.Count)
            throw new ArgumentOutOfRangeException(nameof(label), label, "label must be a digit 0–9");

        using var scope = NewDisposeScope();
        var a = z0.reshape(1, d).to(generator.Device).to_type(ScalarType.Float32);
        var b = z1.reshape(1, d).to(generator.Device).to_type(ScalarType.Float32);
        var t = linspace(0, 1, steps, dtype: ScalarType.Float32, device: generator.Device).unsqueeze(1);
        Tensor path;
        if (!spherical) path = (1 - t) * a + t * b;
        else
        {
            var cos = (nn.functional.normalize(a, dim: 1) * nn.functional.normalize(b, dim: 1)).sum().clamp(-1, 1).item<float>();
            double omega = Math.Acos(cos);
            if (Math.Sin(omega) < 1e-6) path = (1 - t) * a + t * b; // (anti)parallel ends: slerp degenerates, fall back to linear
            else path = (sin((1 - t) * omega) * a + sin(t * omega) * b) / Math.Sin(omega);
        }
        Tensor? labels = label is null ? null : full(new long[] { steps }, (long)label.Value, dtype: ScalarType.Int64, device: generator.Device);
        return Control.Generate(generator, path, labels, 500).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// <paramref name="paths"/> straight paths of <paramref name="steps"/> frames (path i from the two z drawn from
    /// seed <paramref name="seed"/> + i), measured as a <see cref="LatentWalk"/>; the classifier reads every frame.
    /// </summary>
    public static LatentWalk Walk(GeneratorNet generator, DigitClassifier classifier, int paths, int steps, int seed = 100)
    {
        if (paths <= 0) throw new ArgumentOutOfRangeException(nameof(paths), paths, "at least one path");
        var frames = new List<Tensor>();
        var sizes = new List<double[]>();
        var overEnds = new List<double>();
        var overMedian = new List<double>();
        for (int i = 0; i < paths; i++)
        {
            using var g = Seeds.Generator(seed + i);
            using var zs = generator.Latent(2, g);
            var p = Interpolate(generator, zs[0], zs[1], steps);
            var s = StepDistances(p);
            using var ends = stack(new[] { p[0], p[p.shape[0] - 1] });
            var end = StepDistances(ends)[0];
            var sorted = s.OrderBy(v => v).ToArray();
            frames.Add(p); sizes.Add(s);
            overEnds.Add(s.Max() / end);
            overMedian.Add(s.Max() / sorted[sorted.Length / 2]);
        }
        var all = cat(frames, 0);
        foreach (var f in frames) f.Dispose();
        double confidence;
        using (var scope = NewDisposeScope())
            confidence = nn.functional.softmax(classifier.Logits(all), 1).max(1).values.to_type(ScalarType.Float64).mean().item<double>();
        return new LatentWalk(all, sizes.ToArray(), overEnds.ToArray(), overMedian.ToArray(), confidence);
    }

    /// <summary>
    /// Root-mean-square pixel change between consecutive frames of a path [steps, …]: steps − 1 values. A smooth path
    /// has no step much larger than the others and each step much smaller than the change from the first frame to the last.
    /// </summary>
    public static double[] StepDistances(Tensor frames)
    {
        if (frames.dim() < 2 || frames.shape[0] < 2)
            throw new ArgumentException($"expected at least 2 frames [steps, …], got [{string.Join(", ", frames.shape)}].");
        using var scope = NewDisposeScope();
        var f = frames.detach().to(CPU).to_type(ScalarType.Float64).flatten(1);
        var diff = f[1..] - f[..^1];
        return diff.square().mean(new long[] { 1 }).sqrt().data<double>().ToArray();
    }
}
