using TorchSharp;
using WganCourse.Data;
using WganCourse.Models;
using WganCourse.Objectives;
using WganCourse.Training;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace WganCourse.Exercises;

/// <summary>Notebook 07: the WGAN's weight clipping and its critic and generator losses (Arjovsky et al. 2017, Algorithm 1),
/// and a prediction on what a clipped critic measures.</summary>
public static class Ex07
{
    /// <summary>
    /// The student's weight clipping: clamp every parameter of the critic (weights AND biases) to [−c, c], in place.
    /// Hidden cases: a small MLP critic with parameters drawn from N(0, 0.05²) (some inside, some outside the box),
    /// c = 0.01 and c = 0.1.
    /// </summary>
    [AnswerInLibrary(typeof(Objectives.Wgan), nameof(Objectives.Wgan.ClipParameters))]
    [AnswerInLibrary(typeof(Objectives.WganClip), nameof(Objectives.WganClip.AfterCriticStep))]
    [Exercise("07.clip", "weight clipping")]
    public static ExerciseResult ClipWeights(Action<nn.Module, double> studentClip) =>
        Exercise.Run("07.clip", "weight clipping", () =>
        {
            foreach (var c in new[] { 0.01, 0.1 })
            {
                var critic = nn.Sequential(("fc1", nn.Linear(2, 8)), ("relu", nn.ReLU()), ("fc2", nn.Linear(8, 1)));
                using var g = new Generator(Exercise.Seed("07.clip", 707) + (ulong)(c * 1000));
                using (no_grad())
                    foreach (var p in critic.parameters()) p.copy_(0.05 * randn(p.shape, generator: g));
                var before = critic.named_parameters().Select(p => (p.name, Value: p.parameter.detach().clone())).ToList();
                try { studentClip(critic, c); }
                catch (Exception e) when (e.Message.Contains("leaf Variable", StringComparison.OrdinalIgnoreCase) || e.Message.Contains("in-place", StringComparison.OrdinalIgnoreCase))
                {
                    throw new HintException($"c = {c}: changing a parameter in place while autograd records it fails (\"{e.Message.Split('\n')[0]}\"). Do it inside `using (torch.no_grad()) {{ ... }}`.");
                }
                foreach (var (name, was) in before)
                {
                    var now = critic.named_parameters().First(p => p.name == name).parameter.detach();
                    var expected = was.clamp(-c, c);
                    bool isBias = name.EndsWith("bias", StringComparison.Ordinal);
                    if (now.allclose(was) && !expected.allclose(was))
                        throw new HintException(isBias
                            ? $"c = {c}: the biases ({name}) were not clipped. Algorithm 1 clips every parameter w of the critic, biases included: loop over critic.parameters()."
                            : $"c = {c}: the parameters did not change. Clamp them in place (e.g. p.clamp_(-c, c)); clamp without the underscore returns a new tensor and leaves the parameter as it was.");
                    Expect.Close($"c = {c}, parameter {name}", now, expected, 1e-7,
                        ("you clamped to [0, c]: the box is [−c, c], negative weights stay negative.", was.clamp(0, c)),
                        ("you took absolute values: clipping keeps the sign, w ← max(−c, min(c, w)).", was.abs().clamp(0, c)),
                        ("you rescaled the whole tensor so that its largest entry is c; clipping clamps each entry separately and leaves small entries unchanged.", was * (c / was.abs().max())),
                        ("you set every parameter to ±c (sign(w)·c); entries already inside [−c, c] must stay as they are.", was.sign() * c));
                }
            }
        });

    /// <summary>
    /// The student's WGAN critic loss from the critic's scores on a real and a fake batch ([B, 1] each):
    /// L_critic = E[f(x̃)] − E[f(x)] (the critic maximises E[f(x)] − E[f(x̃)], i.e. minimises this). No sigmoid, no log.
    /// </summary>
    [AnswerInLibrary(typeof(Objectives.Wgan), nameof(Objectives.Wgan.CriticLoss))]
    [AnswerInLibrary(typeof(Objectives.WganClip), nameof(Objectives.WganClip.CriticLoss))]
    [AnswerInLibrary(typeof(Objectives.WganGp), nameof(Objectives.WganGp.CriticLoss))]
    [AnswerInLibrary(typeof(Objectives.WganSn), nameof(Objectives.WganSn.CriticLoss))]
    [Exercise("07.critic-loss", "the WGAN critic loss")]
    public static ExerciseResult CriticLoss(Func<Tensor, Tensor, Tensor> studentLoss) =>
        Exercise.Run("07.critic-loss", "the WGAN critic loss", () =>
        {
            using var g = new Generator(Exercise.Seed("07.critic-loss", 717));
            var cases = new (string What, Tensor Real, Tensor Fake)[]
            {
                ("64 real and 64 fake scores", randn(new long[] { 64, 1 }, generator: g) + 1, randn(new long[] { 64, 1 }, generator: g) - 0.5),
                ("large scores (an unbounded critic)", 50 * randn(new long[] { 8, 1 }, generator: g), 50 * randn(new long[] { 8, 1 }, generator: g)),
            };
            foreach (var (what, real, fake) in cases)
            {
                var expected = fake.mean() - real.mean();
                Expect.Close(what, studentLoss(real.clone(), fake.clone()), expected, 1e-4,
                    ("this is the GAN discriminator loss through a sigmoid and logs; the WGAN critic's scores are used as they are: E[f(fake)] − E[f(real)].", F.softplus(-real).mean() + F.softplus(fake).mean()),
                    ("you summed the scores instead of averaging them: the loss is a difference of two means.", fake.sum() - real.sum()),
                    ("you averaged over both batches together, (mean(fake) − mean(real))/2; it is the plain difference of the two means.", (fake.mean() - real.mean()) / 2),
                    ("you returned the generator's loss −E[f(fake)]; the critic's loss also contains the real batch.", -fake.mean()));
            }
        });

    /// <summary>
    /// The student's WGAN assembled from their own three functions with <see cref="Objective.From"/>, trained on the
    /// ring. Checks the settings (n_critic = 5, RMSProp α = 5·10⁻⁵), the values (the first 60 steps give the losses of
    /// the library's <see cref="WganClip"/> for the same seed and networks) and what the training did: every critic
    /// parameter ends inside [−c, c], the critic's estimate of W is positive (it scores real above fake). Sixty steps
    /// at α = 5·10⁻⁵ barely move the generator, so its samples are not judged here.
    /// </summary>
    [AnswerInLibrary(typeof(Objectives.WganClip), ".ctor")]
    [Exercise("07.train", "your WGAN trains the ring")]
    public static ExerciseResult Train(Func<Objective> build) =>
        Exercise.Run("07.train", "your WGAN trains the ring", () =>
        {
            var yours = build() ?? throw new HintException("MyWgan returned null; return Objective.From(...).");
            int n = yours.CriticIterations(0);
            Expect.That(n == WganClip.PaperCriticIterations, $"your objective trains the critic {n} time(s) per generator step; Algorithm 1 " +
                $"uses n_critic = {WganClip.PaperCriticIterations} (pass nCritic: to Objective.From).");
            var spec = yours.CriticOptimizer;
            Expect.That(spec.Kind == "rmsprop" && Math.Abs(spec.LearningRate - WganClip.PaperLearningRate) < 1e-12 &&
                        yours.GeneratorOptimizer.Kind == "rmsprop" && Math.Abs(yours.GeneratorOptimizer.LearningRate - WganClip.PaperLearningRate) < 1e-12,
                $"your optimizers are {spec} (critic) and {yours.GeneratorOptimizer} (generator); Algorithm 1 uses RMSProp with α = 5e-5 for both " +
                "(OptimizerSpec.RmsProp(5e-5)): the paper found momentum (Adam) unstable with clipping.");
            const int seed = 11, steps = 60, width = 32;
            var ring = Toy.Ring8();
            TrainResult Run(Objective o) => Trainer.Run(o, Mlp.Generator(2, 2, width, seed: seed), Mlp.Critic(2, width, seed: seed + 1),
                new ToyBatches(ring), new TrainOptions { Steps = steps, BatchSize = 64, LogEvery = 10, Seed = seed });
            var mine = Run(yours);
            double c = WganClip.PaperClip, largest;
            using (no_grad()) largest = mine.Critic.parameters().Max(p => p.abs().max().item<float>());
            Expect.That(largest <= c * (1 + 1e-6), $"after training, a critic parameter is {largest:G3}, outside [−c, c] = [−{c}, {c}]: clip after " +
                "every critic step (afterCriticStep: critic => ClipWeights(critic, 0.01)).");
            var reference = Run(new WganClip());
            for (int w = 0; w < reference.History.Count; w++)
            {
                double a = mine.History.CriticLoss[w], b = reference.History.CriticLoss[w];
                Expect.That(Math.Abs(a - b) <= 1e-5 * Math.Abs(b) + 1e-9, $"by step {reference.History.Step[w]} your critic's loss ({a:G4}) differs " +
                    $"from Algorithm 1's ({b:G4}) for the same seed and networks: check what you pass to Objective.From (your CriticLoss, " +
                    "GeneratorLoss and ClipWeights, c = 0.01).");
            }
            // What training did: after the critic's steps it scores the real batch above the fake one.
            double last = -mine.History.CriticLoss[^1];
            Expect.That(last > 0, $"the critic's estimate −L_critic is {last:G3} at the end of training; a trained WGAN critic scores real " +
                "samples above fakes (E f(x) > E f(g(z))), so it is positive.");
        });

    /// <summary>The student's WGAN generator loss from the critic's scores on fakes ([B, 1]): L_G = −E[f(G(z))].</summary>
    [AnswerInLibrary(typeof(Objectives.Wgan), nameof(Objectives.Wgan.GeneratorLoss))]
    [AnswerInLibrary(typeof(Objectives.WganClip), nameof(Objectives.WganClip.GeneratorLoss))]
    [AnswerInLibrary(typeof(Objectives.WganGp), nameof(Objectives.WganGp.GeneratorLoss))]
    [AnswerInLibrary(typeof(Objectives.WganSn), nameof(Objectives.WganSn.GeneratorLoss))]
    [Exercise("07.generator-loss", "the WGAN generator loss")]
    public static ExerciseResult GeneratorLoss(Func<Tensor, Tensor> studentLoss) =>
        Exercise.Run("07.generator-loss", "the WGAN generator loss", () =>
        {
            using var g = new Generator(Exercise.Seed("07.generator-loss", 727));
            foreach (var (what, fake) in new[] { ("64 fake scores", randn(new long[] { 64, 1 }, generator: g) - 1), ("large scores", 80 * randn(new long[] { 16, 1 }, generator: g)) })
            {
                Expect.Close(what, studentLoss(fake.clone()), -fake.mean(), 1e-4,
                    ("this is the GAN's non-saturating loss −E[log σ(f)]; the WGAN generator uses the critic's score directly: −E[f(G(z))].", F.softplus(-fake).mean()),
                    ("this is the GAN's saturating loss E[log(1 − σ(f))]; the WGAN has no sigmoid and no log: −E[f(G(z))].", -F.softplus(fake).mean()),
                    ("you summed over the batch instead of averaging.", -fake.sum()));
            }
        });

    const string FartherId = "07.predict-farther";
    const string FartherTitle = "predict: which frozen generator the clipped critic scores as farther";

    /// <summary>
    /// Prediction: real data N(0, 0.1²), two frozen generators N(1, 0.1²) and N(4, 0.1²), both
    /// with supports disjoint from the data's (10σ and 40σ away: JS = log 2 for both). A clipped
    /// critic (Algorithm 1's clipping, c = 0.1) trained against each: which estimate
    /// E f(real) − E f(fake) is larger? Theory: the clipped critic is K-Lipschitz for a K fixed by c
    /// and the architecture, and it approximates K·f* with f* the optimal 1-Lipschitz critic, so
    /// its estimate ≈ K·W₁ = K·shift, 4 times larger for the far one, while JS cannot tell them
    /// apart. After 300 steps the critic is not yet the linear optimum over the whole stretch: the
    /// ratio measured 1.8–3.2 over 20 seeds. The check asks for a factor 1.3 ("tie" is within 10 %).
    /// </summary>
    // the experiment reports the outcome: a stub that calls it is held for review
    [AnswerInLibrary(typeof(Ex07), nameof(FartherRun))]
    [Exercise("07.predict-farther", "predict: which frozen generator the clipped critic scores as farther")]
    public static ExerciseResult PredictFarther(Func<FartherScore> prediction) =>
        Prediction.Judge(FartherId, FartherTitle, prediction,
            () => FartherRun(Exercise.Seed(FartherId, 737)),
            _ => "The clipped critic's estimate is about K·W₁, and W₁ is the shift: the WGAN's " +
                 "critic keeps measuring how far the fakes are where JS is stuck at log 2, so G " +
                 "still gets a useful gradient.",
            (guess, _) => (guess == FartherScore.Tie
                ? "That is JS's answer: both supports are disjoint from the data's, so JS = log 2 " +
                  "for both and its gradient is 0. The critic estimates W₁ instead. "
                : "Nearer fakes are harder to tell from the data, but the critic does not classify, " +
                  "it scores. ") +
                "A clipped critic is K-Lipschitz (K set by c and the layers); trained to maximise " +
                "E f(real) − E f(fake), it tilts as steeply as the clipping allows over the whole " +
                "stretch between the data and the fakes, so its estimate is about K·W₁ = K·shift: " +
                "4 times larger for the generator 4 times farther away.");

    /// <summary>The experiment of 07.predict-farther: an MLP critic (1 → 64 → 64 → 1, ReLU) per
    /// generator, the same initialisation, 300 RMSProp steps (lr 1e-3, batch 256) each followed by
    /// clipping to [−0.1, 0.1]; the estimate on 4,096 fresh samples of each.</summary>
    public static Measured<FartherScore> FartherRun(ulong seed)
    {
        int init = (int)(seed % int.MaxValue);
        using var g = new Generator(seed);
        var xs = Enumerable.Range(0, 121).Select(k => -1 + k * 6.0 / 120).ToArray();
        (double Estimate, double[] Curve) Train(double shift)
        {
            using var critic = Mlp.Critic(1, 64, 2, MlpActivation.ReLU, seed: init);
            Wgan.ClipParameters(critic, 0.1);
            using var opt = optim.RMSProp(critic.parameters(), 1e-3);
            for (int step = 0; step < 300; step++)
            {
                using var scope = NewDisposeScope();
                var real = 0.1 * randn(new long[] { 256, 1 }, generator: g);
                var fake = shift + 0.1 * randn(new long[] { 256, 1 }, generator: g);
                var loss = critic.call(fake).mean() - critic.call(real).mean();
                opt.zero_grad();
                loss.backward();
                opt.step();
                Wgan.ClipParameters(critic, 0.1);
            }
            using var _ = no_grad();
            var r = 0.1 * randn(new long[] { 4096, 1 }, generator: g);
            var f = shift + 0.1 * randn(new long[] { 4096, 1 }, generator: g);
            double estimate = (critic.call(r).mean() - critic.call(f).mean()).item<float>();
            var curve = critic.call(tensor(xs, dtype: float32).reshape(-1, 1)).data<float>()
                .Select(v => (double)v).ToArray();
            return (estimate, curve);
        }
        var near = Train(1);
        var far = Train(4);
        double Js(double shift) => Divergences.Classic.JSFromLog(new Divergences.UniformGrid(-2, 6, 8001),
            x => Divergences.Classic.LogNormalPdf(x, 0, 0.1), x => Divergences.Classic.LogNormalPdf(x, shift, 0.1));
        double ratio = near.Estimate > 0 ? far.Estimate / near.Estimate : double.NaN;
        var figure = Plots.Charts.Lines("the two trained critics f(x)", "x", "f(x)", new[]
        {
            new Plots.Series("critic against N(1, 0.1²)", xs, near.Curve),
            new Plots.Series("critic against N(4, 0.1²)", xs, far.Curve),
        });
        return new(Prediction.ByRatio(ratio, FartherScore.FarGenerator, FartherScore.NearGenerator,
                                      (FartherScore?)FartherScore.Tie, high: 1.3, near: 1.1),
            $"critic's estimate {near.Estimate:G3} against N(1, 0.1²), {far.Estimate:G3} against " +
            $"N(4, 0.1²) (ratio {ratio:F2}); JS = {Js(1):F4} and {Js(4):F4} nats", figure);
    }
}

/// <summary>The options of 07.predict-farther.</summary>
public enum FartherScore { NearGenerator, FarGenerator, Tie }
