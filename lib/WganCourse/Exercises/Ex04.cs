using TorchSharp;
using static TorchSharp.torch;

namespace WganCourse.Exercises;

/// <summary>Notebook 04 (CGAN): one-hot labels, the conditional generator's input [z, one-hot y], the per-class control
/// accuracy, and a conditional D that must reject mismatched pairs.</summary>
public static class Ex04
{
    /// <summary>
    /// The student's one-hot encoding: int64 class indices [N] and a class count → float32 [N, classes] with a single 1
    /// per row, at column labels[i]. (Input validation is the library's job, <c>ClassLabels.Validate</c>; the lesson
    /// here is the code itself.)
    /// </summary>
    [AnswerInLibrary(typeof(Models.ClassLabels), nameof(Models.ClassLabels.OneHot))]
    [Exercise("04.one-hot", "one-hot labels")]
    public static ExerciseResult OneHot(Func<Tensor, int, Tensor> studentOneHot) =>
        Exercise.Run("04.one-hot", "one-hot labels", () =>
        {
            using var g = new Generator(Exercise.Seed("04.one-hot", 404));
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
        });

    /// <summary>
    /// The student's conditional generator input: z [N, d] and int64 labels [N] → [z, one-hot(y)] of shape [N, d + 10],
    /// float32, on z's device (z first, as the course's ConditionalMlpGenerator expects).
    /// </summary>
    [AnswerInLibrary(typeof(Models.ClassLabels), nameof(Models.ClassLabels.OneHot))]
    [Exercise("04.conditional-input", "the conditional generator's input [z, one-hot y]")]
    public static ExerciseResult ConditionalInput(Func<Tensor, Tensor, Tensor> studentInput) =>
        Exercise.Run("04.conditional-input", "the conditional generator's input [z, one-hot y]", () =>
        {
            using var g = new Generator(Exercise.Seed("04.conditional-input", 414));
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
            using var g = new Generator(Exercise.Seed("04.per-class", 424));
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

    /// <summary>
    /// The student's loss for a conditional D on real digits that must reject mismatched pairs (the "matching-aware"
    /// discriminator of Reed et al. 2016): D(x, y) is a logit; real pairs (x, y) are to be scored real, the same images
    /// with wrong labels (x, ŷ) fake: mean softplus(−D(x, y)) + mean softplus(D(x, ŷ)). The check compares values on
    /// hidden cases, then trains a small conditional D with the student's loss on the shipped digits and measures how
    /// often it tells matched from mismatched pairs it never saw.
    /// </summary>
    [Exercise("04.mismatch", "a conditional D that rejects mismatched pairs")]
    public static ExerciseResult MismatchLoss(Func<Func<Tensor, Tensor, Tensor>, Tensor, Tensor, Tensor, Tensor> studentLoss) =>
        Exercise.Run("04.mismatch", "a conditional D that rejects mismatched pairs", () =>
        {
            // 1. values: a fixed D (logit = a·mean(x) + b[y]) on hidden cases, with the typical mistakes named
            using var g = new Generator(Exercise.Seed("04.mismatch", 434));
            var b = randn(10, generator: g);
            Tensor D(Tensor x, Tensor y) => 3 * x.flatten(1).mean(new long[] { 1 }, keepdim: true) + b.index_select(0, y).unsqueeze(1);
            var x = rand(new long[] { 16, 1, 28, 28 }, generator: g) * 2 - 1;
            var y = randint(0, 10, new long[] { 16 }, dtype: int64, generator: g);
            var wrong = (y + randint(1, 10, new long[] { 16 }, dtype: int64, generator: g)).remainder(10);
            Tensor Sp(Tensor t) => nn.functional.softplus(t).mean();
            var got = studentLoss(D, x.clone(), y.clone(), wrong.clone());
            Expect.Close("16 pairs and their mismatched labels", got, Sp(-D(x, y)) + Sp(D(x, wrong)), 1e-5,
                ("your loss never shows D a mismatched pair: the second term must score the images with the wrong labels ŷ.", Sp(-D(x, y)) + Sp(D(x, y))),
                ("you taught D to *accept* the mismatched pairs (target real): a real image with the wrong label is a fake pair, score it with softplus(+D).", Sp(-D(x, y)) + Sp(-D(x, wrong))),
                ("matched and mismatched are swapped: the true pairs (x, y) should be scored real.", Sp(D(x, y)) + Sp(-D(x, wrong))),
                ("you summed over the batch; take the mean of each term, so the loss does not grow with the batch size.", nn.functional.softplus(-D(x, y)).sum() + nn.functional.softplus(D(x, wrong)).sum()),
                ("the loss on the mismatched pairs is missing.", Sp(-D(x, y))));

            // 2. behaviour: train a small conditional D with the student's loss; it must tell pairs apart on unseen digits
            var (accMatched, accMismatched) = TrainMatchingD(studentLoss);
            Expect.That(accMatched >= 0.7 && accMismatched >= 0.7,
                $"trained with your loss, D accepted {accMatched:P0} of unseen matched pairs and rejected {accMismatched:P0} of mismatched ones (both should be ≥ 70 %).");
        });

    /// <summary>Trains a conditional MLP D (ConditionalMlpDiscriminator, hidden 256) with <paramref name="loss"/> on 8,000
    /// shipped digits and returns how often it accepts matched and rejects mismatched pairs of 2,000 other digits.</summary>
    public static (double Matched, double Mismatched) TrainMatchingD(Func<Func<Tensor, Tensor, Tensor>, Tensor, Tensor, Tensor, Tensor> loss,
                                                                        int steps = 800, int batch = 64)
    {
        using var scope = NewDisposeScope();
        using var digits = Data.Digits.Load();
        var (train, heldOut) = Metrics.DigitClassifier.CourseSplit(digits);
        using (train) using (heldOut)
        {
            using var d = new Models.ConditionalMlpDiscriminator(hidden: new[] { 256 }, seed: 7, device: CPU);
            using var opt = optim.Adam(d.parameters(), 1e-3);
            using var g = new Generator(77);
            for (int s = 0; s < steps; s++)
            {
                using var step = NewDisposeScope();
                var idx = randint(0, train.Count, new long[] { batch }, dtype: int64, generator: g);
                var x = train.Images.index_select(0, idx);
                var y = train.Labels.index_select(0, idx);
                var wrong = (y + randint(1, 10, new long[] { batch }, dtype: int64, generator: g)).remainder(10);
                var l = loss((a, c) => d.Score(a, c), x, y, wrong);
                opt.zero_grad();
                l.backward();
                opt.step();
            }
            d.eval();
            using var _ = no_grad();
            var hy = heldOut.Labels;
            var hw = (hy + randint(1, 10, hy.shape, dtype: int64, generator: g)).remainder(10);
            double matched = d.Score(heldOut.Images, hy).gt(0).to_type(float64).mean().item<double>();
            double mismatched = d.Score(heldOut.Images, hw).le(0).to_type(float64).mean().item<double>();
            return (matched, mismatched);
        }
    }

    /// <summary>One-hot with every label moved one column to the right (k → k + 1, wrapping): the off-by-one variant.</summary>
    static Tensor Shifted(Tensor labels, int classes) => nn.functional.one_hot((labels + 1).remainder(classes), classes).to_type(float32);

    static string Short(string s) => s.Length <= 120 ? s : s[..120] + "…";
}
