using TorchSharp;
using static TorchSharp.torch;

namespace WganCourse.Exercises;

/// <summary>Notebook 09: the variety of a generator's samples, the statistic behind 09.wgan-more-varied.</summary>
public static class Ex09
{
    const string VarietyId = "09.variety";
    const string VarietyTitle = "the variety of a set of samples: the mean distance between two of them";

    /// <summary>
    /// The student's V(x) = 1 / (n(n − 1)) · Σ_{i ≠ j} ‖x_i − x_j‖₂ for a batch x of n ≥ 2 samples of any shape
    /// [n, …] (each sample flattened): the mean Euclidean distance between two different samples
    /// (<see cref="Training.Stability.Variety(Tensor)"/> for at most 500 samples). The cases are small batches of
    /// images and of points; the first fixed case tells every listed mistake apart.
    /// </summary>
    [AnswerInLibrary(typeof(Training.Stability), nameof(Training.Stability.Variety))]
    [Exercise("09.variety", "the variety of a set of samples: the mean distance between two of them")]
    public static ExerciseResult Variety(Func<Tensor, double> studentVariety) =>
        Exercise.Run(VarietyId, VarietyTitle, () =>
        {
            var cases = Exercise.Cases(VarietyId,
                new (int N, long[] Shape, ulong Seed)[]
                {
                    (5, new long[] { 1, 4, 4 }, 91), (2, new long[] { 3 }, 92), (7, new long[] { 2 }, 93),
                    (4, new long[] { 1, 28, 28 }, 94),
                }, r => Enumerable.Range(0, 4).Select(k => (2 + r.Next(9),
                    k % 2 == 0 ? new long[] { 1, 2 + r.Next(6), 2 + r.Next(6) } : new long[] { 1 + r.Next(5) },
                    (ulong)r.Next(1, int.MaxValue))).ToArray());
            foreach (var (n, shape, seed) in cases)
            {
                using var scope = NewDisposeScope();
                using var g = new Generator(seed);
                var x = rand(new long[] { n }.Concat(shape).ToArray(), dtype: float64, generator: g) * 2 - 1;
                string what = $"{n} samples of shape [{string.Join(", ", shape)}]";
                var input = x.clone();
                double got = studentVariety(input);
                Expect.That(input.eq(x).all().item<bool>(),
                    $"{what}: your function changed its input; compute on a copy (or without in-place operations).");
                var flat = x.reshape(n, -1);
                var d = cdist(flat, flat, compute_mode: compute_mode.donot_use_mm_for_euclid_dist);
                double sum = d.sum().item<double>(), pairs = n * (n - 1.0);
                double expected = sum / pairs;
                double squared = d.square().sum().item<double>() / pairs;
                double pixelStd = flat.std(0).mean().item<double>();
                Expect.Close(what, got, expected, 1e-6,
                    ("you divided by n² and so counted each sample paired with itself (distance 0): divide by the "
                     + "n(n − 1) pairs of different samples.", sum / (n * (double)n)),
                    ("you averaged squared distances ‖x_i − x_j‖²; V averages the distances themselves (take the "
                     + "square root of each before the mean).", squared),
                    ("you counted each unordered pair once but divided by n(n − 1): either sum over i ≠ j (both "
                     + "orders) or divide by n(n − 1)/2.", expected / 2),
                    ("that is the mean per-pixel standard deviation, a different measure of spread; V is the mean "
                     + "Euclidean distance between two whole samples.", pixelStd));
            }
        });
}
