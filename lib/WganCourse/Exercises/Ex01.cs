using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace WganCourse.Exercises;

/// <summary>Notebook 01: the discriminator loss from logits, and the optimal discriminator D* for given densities.</summary>
public static class Ex01
{
    /// <summary>
    /// The student's discriminator loss −E_Pr[log D(x)] − E_Pg[log(1 − D(G(z)))] from logits (D = σ(l)), one number.
    /// Hidden cases: batches of logits of shape [n, 1] (what D returns), real and fake batches of different sizes, and
    /// logits of size ±120, where log(sigmoid(l)) underflows to log 0 in float32.
    /// </summary>
    [AnswerInLibrary(typeof(Objectives.GanLosses), nameof(Objectives.GanLosses.Discriminator))]
    [AnswerInLibrary(typeof(Objectives.GanLosses), nameof(Objectives.GanLosses.Value))]
    [Exercise("01.d-loss", "discriminator loss from logits")]
    public static ExerciseResult DiscriminatorLoss(Func<Tensor, Tensor, Tensor> studentLoss) =>
        Exercise.Run("01.d-loss", "discriminator loss from logits", () =>
        {
            using var g = new Generator(Exercise.Seed("01.d-loss", 101));
            var cases = new (string What, Tensor Real, Tensor Fake)[]
            {
                ("64 real and 64 fake logits", 2 * randn(64, 1, generator: g), 2 * randn(64, 1, generator: g)),
                ("50 real and 30 fake logits", 1 + 2 * randn(50, 1, generator: g), -1 + 2 * randn(30, 1, generator: g)),
                ("logits of a very confident D (±120)", tensor(new float[] { 120, -120, 3, 120 }).reshape(4, 1), tensor(new float[] { -120, 120, -2 }).reshape(3, 1)),
            };
            foreach (var (what, real, fake) in cases)
            {
                var got = studentLoss(real, fake);
                var sr = F.softplus(-real);  // −log D(x)
                var sf = F.softplus(fake);   // −log(1 − D(G(z)))
                Expect.Close(what, got, sr.mean() + sf.mean(), 1e-4,
                    ("you summed over the batch instead of averaging (the loss is a mean over the samples, i.e. an expectation).", sr.sum() + sf.sum()),
                    ("real and fake are swapped: D should say 1 (real) on the real batch and 0 on the fake batch.", F.softplus(real).mean() + F.softplus(-fake).mean()),
                    ("you averaged over the real and fake samples together (one mean over all of them); the loss is the sum of two expectations, one over real and one over fake samples.", cat(new[] { sr, sf }).mean()),
                    ("the fake term E_Pg[−log(1 − D(G(z)))] is missing.", sr.mean()),
                    ("the real term E_Pr[−log D(x)] is missing.", sf.mean()),
                    ("you passed the logits through a sigmoid first: the inputs already are logits l with D = σ(l); apply the log-terms to l itself.", F.softplus(-sigmoid(real)).mean() + F.softplus(sigmoid(fake)).mean()));
            }
        });

    /// <summary>
    /// The student's D*(x) = pr(x) / (pr(x) + pg(x)) for tensors of density values (float64), elementwise, with the
    /// course's convention D* = ½ where both densities are 0 (any value is optimal there).
    /// </summary>
    [AnswerInLibrary(typeof(Divergences.Classic), nameof(Divergences.Classic.OptimalDiscriminator))]
    [Exercise("01.d-star", "optimal discriminator D*")]
    public static ExerciseResult OptimalDiscriminator(Func<Tensor, Tensor, Tensor> studentDStar) =>
        Exercise.Run("01.d-star", "optimal discriminator D*", () =>
        {
            using var g = new Generator(Exercise.Seed("01.d-star", 102));
            var pr1 = rand(100, dtype: float64, generator: g);
            var pg1 = rand(100, dtype: float64, generator: g);
            var pr2 = tensor(new[] { 0.4, 0.0, 0.2, 1.3, 0.0 });
            var pg2 = tensor(new[] { 0.0, 0.7, 0.2, 0.1, 0.0 });
            var cases = new (string What, Tensor Pr, Tensor Pg)[]
            {
                ("100 points with positive densities", pr1, pg1),
                ("points where one or both densities are 0", pr2, pg2),
            };
            foreach (var (what, pr, pg) in cases)
            {
                var got = studentDStar(pr.clone(), pg.clone());
                if (got is not null && got.shape.SequenceEqual(pr.shape) && got.is_floating_point())
                {
                    using var bothZero = (pr == 0).logical_and(pg == 0);
                    using var bad = got.detach().cpu().isnan().logical_and(bothZero);
                    Expect.That(!bad.any().item<bool>(),
                        $"{what}: your D* is NaN where pr = pg = 0 (0/0). The objective does not determine D* there; the task says which value to return.");
                }
                var sum = pr + pg;
                var expected = where(sum == 0, full_like(pr, 0.5), pr / sum);
                Expect.Close(what, got, expected, 1e-9,
                    ("you returned 1 − D*, the probability of 'fake': D* is the probability that x is real, pr/(pr + pg).", where(sum == 0, full_like(pr, 0.5), pg / sum)),
                    ("you returned the density ratio pr/pg, which is not a probability: normalise by pr + pg.", pr / pg),
                    ("you returned the log-odds log(pr/pg); D* is the probability itself.", (pr / pg).log()));
            }
        });

    const string GradientId = "01.predict-gradient";
    const string GradientTitle = "predict: which generator loss gives G the larger gradient early on";

    /// <summary>
    /// Prediction: early in training, with D near-optimal and the fakes far from the data, which
    /// generator loss gives G the larger gradient? Theory: through D's logit l, loss A
    /// (E log(1 − D(G(z)))) has gradient −D(G(z))·∇l and loss B (−E log D(G(z))) −(1 − D(G(z)))·∇l,
    /// a ratio (1 − D)/D per sample. The run puts G's samples 4–5 units (8–10 standard deviations
    /// of the data) away from it and trains a logistic D to confidence: D(G(z)) is of order 1e-3 and
    /// B's gradient about two orders of magnitude larger; the check asks only for a factor 10.
    /// </summary>
    // the experiment reports the outcome: a stub that calls it is held for review
    [AnswerInLibrary(typeof(Ex01), nameof(GradientRun))]
    [Exercise("01.predict-gradient", "predict: which generator loss gives G the larger gradient early on")]
    public static ExerciseResult PredictGradient(Func<LargerGradient> prediction) =>
        Prediction.Judge(GradientId, GradientTitle, prediction,
            () => GradientRun(Exercise.Seed(GradientId, 111)),
            _ => "Loss B's gradient is −(1 − D(G(z)))·∇l, loss A's −D(G(z))·∇l: while D rejects " +
                 "the fakes confidently, D(G(z)) ≈ 0 and loss A's gradient vanishes with it.",
            (guess, outcome) => (guess == LargerGradient.AboutEqual
                ? "The two losses share their fixed point, not their gradients. "
                : "Loss A is the game itself, so descending it looks natural, but it saturates. ") +
                "Through D's logit l (D = σ(l)), loss A = E[log(1 − D(G(z)))] has gradient " +
                "−σ(l)·∇θ l = −D(G(z))·∇θ l: it is proportional to D(G(z)), which is ≈ 0 exactly when " +
                "D confidently rejects the early fakes. Loss B = −E[log D(G(z))] has gradient " +
                "−(1 − D(G(z)))·∇θ l, full size there: per sample the ratio is (1 − D)/D.");

    /// <summary>The experiment of 01.predict-gradient: real x ~ N(4, 0.5²); G(z) = a·z + b with
    /// a = 0.5 and b in [−1, 0] (drawn from <paramref name="seed"/>), far from the data; a logistic
    /// D(x) = σ(w·x + c) trained 400 Adam steps on the two batches; then ‖∇(a, b)‖ of each loss.</summary>
    public static Measured<LargerGradient> GradientRun(ulong seed)
    {
        using var g = new Generator(seed);
        var real = 4 + 0.5 * randn(new long[] { 512, 1 }, generator: g);
        var z = randn(new long[] { 512, 1 }, generator: g);
        var a = tensor(0.5f).requires_grad_(true);
        var b = (-rand(1, generator: g)).reshape(new long[0]).requires_grad_(true);
        var w = nn.Parameter(zeros(1));
        var c = nn.Parameter(zeros(1));
        using (var opt = optim.Adam(new[] { w, c }, 0.1))
            for (int step = 0; step < 400; step++)
            {
                using var scope = NewDisposeScope();
                var fake = (a * z + b).detach();
                var loss = F.softplus(-(w * real + c)).mean() + F.softplus(w * fake + c).mean();
                opt.zero_grad();
                loss.backward();
                opt.step();
            }
        Tensor Logits() => w.detach() * (a * z + b) + c.detach();
        double Norm(Func<Tensor, Tensor> loss) =>
            torch.autograd.grad(new[] { loss(Logits()) }, new[] { a, b }).Select(t => t.square().sum())
                .Aggregate((x, y) => x + y).sqrt().item<float>();
        double dg = sigmoid(Logits()).mean().item<float>();
        double na = Norm(l => -F.softplus(l).mean()), nb = Norm(l => F.softplus(-l).mean());
        double ratio = nb / na;
        return new(Prediction.ByRatio(ratio, LargerGradient.LossB, LargerGradient.LossA,
                                      (LargerGradient?)LargerGradient.AboutEqual, high: 10),
            $"mean D(G(z)) = {dg:G2}; gradient norm of loss A {na:G2}, of loss B {nb:G2} " +
            $"(B/A = {ratio:G3})");
    }
}

/// <summary>The options of 01.predict-gradient.</summary>
public enum LargerGradient { LossA, LossB, AboutEqual }
