using TorchSharp;
using static TorchSharp.torch;

namespace WganCourse.Exercises;

/// <summary>Notebook 04 (CGAN): one-hot labels with validation, the conditional generator's input [z, one-hot y],
/// and the per-class control accuracy.</summary>
public static class Ex04
{
    /// <summary>
    /// The student's one-hot encoding: int64 class indices [N] and a class count → float32 [N, classes] with a single 1
    /// per row, at column labels[i]. Invalid input (labels outside 0..classes−1, labels that are not int64) must throw an
    /// ArgumentException whose message names the value received.
    /// </summary>
    [Exercise("04.one-hot", "one-hot labels with validation")]
    public static ExerciseResult OneHot(Func<Tensor, int, Tensor> studentOneHot) =>
        Exercise.Run("04.one-hot", "one-hot labels with validation", () =>
        {
            using var g = new Generator(404);
            var cases = new (string What, Tensor Labels, int Classes)[]
            {
                ("labels [3, 0, 9, 3], 10 classes", tensor(new long[] { 3, 0, 9, 3 }), 10),
                ("64 random digits, 10 classes", randint(0, 10, new long[] { 64 }, dtype: int64, generator: g), 10),
                ("labels [1, 0, 1], 2 classes", tensor(new long[] { 1, 0, 1 }), 2),
            };
            foreach (var (what, labels, classes) in cases)
            {
                var got = studentOneHot(labels.clone(), classes);
                long n = labels.shape[0];
                if (got is not null)
                {
                    Expect.That(!(got.dim() == 2 && got.shape[0] == classes && got.shape[1] == n && n != classes),
                        $"{what}: your result has shape [{classes}, {n}], one column per sample; the networks expect one row per sample: [{n}, {classes}].");
                    Expect.That(!(got.dim() == 2 && got.shape[0] == n && got.shape[1] != classes),
                        $"{what}: your result has {got.shape[1]} columns, expected {classes}: use the classes argument, not a fixed number.");
                    Expect.That(got.dim() != 2 || got.shape[1] != classes || got.is_floating_point(),
                        $"{what}: your result has dtype {got.dtype}; the networks multiply it with float32 weights, so return float32 (e.g. .to_type(ScalarType.Float32)).");
                    Expect.That(!got.is_floating_point() || got.dtype == float32,
                        $"{what}: your result has dtype {got.dtype}; the networks' weights are float32, so return float32.");
                }
                var expected = nn.functional.one_hot(labels, classes).to_type(float32);
                Expect.Close(what, got, expected, 0,
                    ("the ones are in the wrong columns: column k must be 1 exactly when the label is k (no shift by one).", Shifted(labels, classes)));
            }

            var invalid = new (string What, Func<Tensor> Labels, int Classes, string[] Mentions)[]
            {
                ("labels [0, 10] with 10 classes (10 is not a digit)", () => tensor(new long[] { 0, 10 }), 10, new[] { "10" }),
                ("labels [2, −1] with 10 classes", () => tensor(new long[] { 2, -1 }), 10, new[] { "-1", "−1" }),
                ("labels [0, 2] with 2 classes", () => tensor(new long[] { 0, 2 }), 2, new[] { "2" }),
                ("float labels [1.0, 2.0] (class indices must be int64)", () => tensor(new float[] { 1, 2 }), 10, new[] { "Float32", "float32", "float", "Float" }),
            };
            foreach (var (what, labels, classes, mentions) in invalid)
            {
                Exception? thrown = null;
                try { studentOneHot(labels(), classes); }
                catch (NotImplementedException) { throw; }
                catch (Exception e) { thrown = e; }
                Expect.That(thrown is not null,
                    $"{what}: your function returned a result instead of refusing the input. Check the labels first and throw an ArgumentException saying what was expected and what was received.");
                Expect.That(thrown is ArgumentException,
                    $"{what}: your function threw {thrown!.GetType().Name} (\"{Short(thrown.Message)}\"), which is libtorch or .NET complaining, not your validation. Check the labels before encoding and throw an ArgumentException.");
                Expect.That(mentions.Any(m => thrown.Message.Contains(m, StringComparison.Ordinal)),
                    $"{what}: you threw an ArgumentException, good — but its message (\"{Short(thrown.Message)}\") does not say what was received. Name the offending value (or dtype) so the caller can fix it.");
            }
        });

    /// <summary>
    /// The student's conditional generator input: z [N, d] and int64 labels [N] → [z, one-hot(y)] of shape [N, d + 10],
    /// float32, on z's device (z first, as the course's ConditionalMlpGenerator expects).
    /// </summary>
    [Exercise("04.conditional-input", "the conditional generator's input [z, one-hot y]")]
    public static ExerciseResult ConditionalInput(Func<Tensor, Tensor, Tensor> studentInput) =>
        Exercise.Run("04.conditional-input", "the conditional generator's input [z, one-hot y]", () =>
        {
            using var g = new Generator(414);
            var cases = new (string What, Tensor Z, Tensor Labels)[]
            {
                ("z of shape [4, 100], labels [0, 3, 9, 3]", randn(new long[] { 4, 100 }, generator: g), tensor(new long[] { 0, 3, 9, 3 })),
                ("z of shape [64, 2], 64 random digits", randn(new long[] { 64, 2 }, generator: g), randint(0, 10, new long[] { 64 }, dtype: int64, generator: g)),
                ("z of shape [1, 5], label [7]", randn(new long[] { 1, 5 }, generator: g), tensor(new long[] { 7 })),
            };
            foreach (var (what, z, labels) in cases)
            {
                var got = studentInput(z.clone(), labels.clone());
                long n = z.shape[0], d = z.shape[1];
                if (got is not null && got.dim() == 2 && got.shape[0] == n)
                {
                    Expect.That(got.shape[1] != d + 1,
                        $"{what}: your result has {d + 1} columns: you appended the label as one number. A class index is a name, not a quantity (7 is not 'more' than 3): append its one-hot code, 10 columns.");
                    Expect.That(got.shape[1] != d,
                        $"{what}: your result has as many columns as z: the label is missing. Append the one-hot code of y to z.");
                    Expect.That(got.shape[1] != d + 10 || got.dtype == float32,
                        $"{what}: your result has dtype {got.dtype}; convert the one-hot code to float32 before joining it to z.");
                }
                var oneHot = nn.functional.one_hot(labels, 10).to_type(float32);
                Expect.Close(what, got, cat(new[] { z, oneHot }, 1), 1e-6,
                    ("z and y are in the wrong order: the course's generator expects [z, one-hot y], z first.", cat(new[] { oneHot, z }, 1)),
                    ("the one-hot part does not match the labels: column d + k must be 1 exactly when the label is k.", cat(new[] { z, Shifted(labels, 10) }, 1)));
            }
        });

    /// <summary>
    /// The student's per-class control accuracy: requested digits [N] and the classifier's predictions [N] (int64)
    /// → float64 [10] whose entry k is the fraction of the samples requested as k that were read as k.
    /// </summary>
    [Exercise("04.per-class", "control accuracy per requested digit")]
    public static ExerciseResult PerClassAccuracy(Func<Tensor, Tensor, Tensor> studentAccuracy) =>
        Exercise.Run("04.per-class", "control accuracy per requested digit", () =>
        {
            using var g = new Generator(424);
            // unbalanced on purpose: dividing by N, or grouping by the prediction, gives other numbers
            var requested = arange(10, dtype: int64).repeat_interleave(tensor(new long[] { 5, 9, 3, 7, 4, 8, 6, 2, 10, 5 }));
            var noise = randint(0, 10, requested.shape, dtype: int64, generator: g);
            var keep = rand(requested.shape, generator: g) < 0.6;
            var predicted = where(keep, requested, noise);
            var perm = randperm(requested.shape[0], generator: g);
            var cases = new (string What, Tensor Requested, Tensor Predicted)[]
            {
                ("59 samples, between 2 and 10 per digit", requested.index_select(0, perm), predicted.index_select(0, perm)),
                ("a perfect generator (every sample read as requested)", arange(10, dtype: int64).repeat(3), arange(10, dtype: int64).repeat(3)),
            };
            foreach (var (what, req, pred) in cases)
            {
                var got = studentAccuracy(req.clone(), pred.clone());
                var hit = pred.eq(req).to_type(float64);
                var perClass = stack(Enumerable.Range(0, 10).Select(k => hit[req.eq(k)].mean()).ToArray());
                var overall = hit.mean() * ones(10, dtype: float64);
                var overN = stack(Enumerable.Range(0, 10).Select(k => hit[req.eq(k)].sum() / req.shape[0]).ToArray());
                var byPrediction = stack(Enumerable.Range(0, 10).Select(k => pred.eq(k).sum().item<long>() == 0 ? tensor(0.0, float64) : hit[pred.eq(k)].mean()).ToArray());
                var counts = stack(Enumerable.Range(0, 10).Select(k => hit[req.eq(k)].sum()).ToArray());
                Expect.Close(what, got, perClass, 1e-9,
                    ("all ten entries are the overall accuracy: compute the accuracy separately for each requested digit k.", overall),
                    ("you divided by the number of all samples; divide the hits for digit k by the number of samples requested as k.", overN),
                    ("you grouped the samples by the classifier's prediction (of the samples read as k, how many were asked for k); control accuracy groups them by the requested digit.", byPrediction),
                    ("you returned counts of hits, not fractions: divide by the number of samples requested as k.", counts));
            }
        });

    /// <summary>One-hot with every label moved one column to the right (k → k + 1, wrapping): the off-by-one variant.</summary>
    static Tensor Shifted(Tensor labels, int classes) => nn.functional.one_hot((labels + 1).remainder(classes), classes).to_type(float32);

    static string Short(string s) => s.Length <= 120 ? s : s[..120] + "…";
}
