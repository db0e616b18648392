using TorchSharp;
using static TorchSharp.torch;

namespace WganCourse.Exercises;

/// <summary>Notebook 00: a warm-up that shows how exercises and their checks work.</summary>
public static class Ex00
{
    /// <summary>The mean of the squared entries of a batch, as one number (the shape of most losses in this course).</summary>
    [Exercise("00.mean-square", "mean of squares")]
    public static ExerciseResult MeanSquare(Func<Tensor, Tensor> studentMeanSquare) =>
        Exercise.Run("00.mean-square", "mean of squares", () =>
        {
            using var g = new Generator(Exercise.Seed("00.mean-square", 2024));
            foreach (var shape in new[] { new long[] { 5 }, new long[] { 64, 2 }, new long[] { 3, 1, 4, 4 } })
            {
                var x = randn(shape, generator: g);
                var got = studentMeanSquare(x);
                Expect.Close($"input of shape [{string.Join(", ", shape)}]", got, x.square().mean(), 1e-5,
                    ("you summed the squares instead of averaging them (missing mean).", x.square().sum()),
                    ("you squared the mean instead of averaging the squares.", x.mean().square()),
                    ("you took the mean of absolute values, not of squares.", x.abs().mean()));
            }
        });
}
