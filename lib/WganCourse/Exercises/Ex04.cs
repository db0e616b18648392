using TorchSharp;
using static TorchSharp.torch;

namespace WganCourse.Exercises;

/// <summary>Notebook 04 (CGAN): a prediction on coding labels as numbers or one-hot, the per-class
/// control accuracy, and a conditional D that must reject mismatched pairs.</summary>
public static class Ex04
{
    const string CodeId = "04.predict-label-code";
    const string CodeTitle = "predict: what a label coded as one number does to G";

    /// <summary>
    /// Prediction: an untrained conditional generator G(z, y), its label fed either as one number
    /// (input [z, y]) or one-hot (input [z, e_y]); over 256 z, is G(z, 9) farther from G(z, 3) than
    /// G(z, 4) is? Theory: as a number, y enters the first layer as y·w, and at initialisation G is
    /// close to linear along that direction (tanh output near 0, piecewise-linear hidden layers), so
    /// the distances go as |9 − 3| : |4 − 3| = 6; one-hot codes are all √2 apart and their columns
    /// of the first weight matrix are drawn alike, so the ratio is 1 up to the spread of random
    /// layers (within ±20 % for one network draw over 20 seeds; the run sums over 4 draws). The
    /// check asks for a ratio above 2 for "farther" and within [2/3, 3/2] for "equal".
    /// </summary>
    // the experiment reports the outcome: a stub that calls it is held for review
    [AnswerInLibrary(typeof(Ex04), nameof(LabelCodeRun))]
    [Exercise("04.predict-label-code", "predict: what a label coded as one number does to G")]
    public static ExerciseResult PredictLabelCode(Func<LabelDistance> prediction) =>
        Prediction.Judge(CodeId, CodeTitle, prediction,
            () => LabelCodeRun(Exercise.Seed(CodeId, 404)),
            _ => "A number is a quantity: G treats 9 as 'more of' 3 than 4 is. One-hot codes make " +
                 "every class equally far from every other, so similarity between classes is left " +
                 "to training.",
            (guess, _) => (guess switch
            {
                LabelDistance.EqualEitherWay =>
                    "Coded as one number, the label is a quantity, not a name: the first layer adds " +
                    "y·w to its input, so as y goes 3 → 4 → 9 the generator's input slides along w " +
                    "by 1 and then by 6 steps, and an untrained (nearly linear) G follows. ",
                _ => "One-hot codes are all the same distance (√2) apart, and each class only selects " +
                     "its own column of the first weight matrix, drawn like every other column: " +
                     "nothing makes 9 farther from 3 than 4 is. ",
            }) + "That is why the conditional generator takes [z, one-hot y]: digit classes are " +
                 "names, and 7 is not 'more' than 3.");

    /// <summary>The experiment of 04.predict-label-code: pairs of MLP generators (64-d z, 2 hidden
    /// layers of 256, LeakyReLU, tanh output of 784 pixels) with the same seed, one with the label as
    /// one input, one with 10 one-hot inputs, 4 seeds; ‖G(z, 9) − G(z, 3)‖ over ‖G(z, 4) − G(z, 3)‖,
    /// each averaged over 256 z and the 4 draws.</summary>
    public static Measured<LabelDistance> LabelCodeRun(ulong seed)
    {
        const int dz = 64, n = 256, nets = 4;
        using var g = new Generator(seed);
        var z = randn(new long[] { n, dz }, generator: g);
        using var _ = no_grad();
        // distances summed over a few network draws: one-hot's ratio is 1 in expectation, this
        // narrows its spread
        double near = 0, far = 0, nearHot = 0, farHot = 0;
        for (int k = 0; k < nets; k++)
        {
            using var scope = NewDisposeScope();
            int init = (int)((seed + (ulong)k * 7919) % int.MaxValue);
            using var asNumber = Models.Mlp.Generator(dz + 1, 784, 256, 2, Models.MlpActivation.LeakyReLU,
                                                      tanhOutput: true, seed: init);
            using var oneHot = Models.Mlp.Generator(dz + 10, 784, 256, 2, Models.MlpActivation.LeakyReLU,
                                                    tanhOutput: true, seed: init);
            Tensor Number(int y) => asNumber.call(cat(new[] { z, full(new long[] { n, 1 }, (float)y) }, 1));
            Tensor Hot(int y) => oneHot.call(cat(new[] { z, nn.functional.one_hot(
                full(new long[] { n }, y, dtype: int64), 10).to_type(float32) }, 1));
            double Dist(Func<int, Tensor> gen, int y) => (gen(y) - gen(3)).norm(1).mean().item<float>();
            near += Dist(Number, 4); far += Dist(Number, 9);
            nearHot += Dist(Hot, 4); farHot += Dist(Hot, 9);
        }
        double rNumber = far / near, rHot = farHot / nearHot;
        bool numberFar = rNumber > 2, numberEqual = rNumber is >= 2 / 3.0 and <= 1.5;
        bool hotFar = rHot > 2, hotEqual = rHot is >= 2 / 3.0 and <= 1.5;
        LabelDistance? outcome = (numberFar, numberEqual, hotFar, hotEqual) switch
        {
            (true, _, _, true) => LabelDistance.NineFartherOnlyAsNumber,
            (true, _, true, _) => LabelDistance.NineFartherEitherWay,
            (_, true, _, true) => LabelDistance.EqualEitherWay,
            _ => null,
        };
        return new(outcome, $"‖G(z, 9) − G(z, 3)‖ / ‖G(z, 4) − G(z, 3)‖ = {rNumber:F2} with the label " +
                            $"as one number, {rHot:F2} with one-hot labels");
    }

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

    static string Short(string s) => s.Length <= 120 ? s : s[..120] + "…";
}

/// <summary>The options of 04.predict-label-code.</summary>
public enum LabelDistance { NineFartherEitherWay, NineFartherOnlyAsNumber, EqualEitherWay }
