using TorchSharp;
using static TorchSharp.torch;

namespace WganCourse.Exercises;

/// <summary>Notebook 08: a prediction on gradient norms with and without WGAN-GP's penalty, the penalty itself
/// (Gulrajani et al. 2017, Algorithm 1), and the
/// power iteration behind spectral normalisation (Miyato et al. 2018).</summary>
public static class Ex08
{
    const string NormId = "08.predict-gradient-norm";
    const string NormTitle = "predict: gradient norms on interpolates, with and without the penalty";

    /// <summary>
    /// Prediction: two critics trained on the same frozen data (two blobs in the plane 3 apart),
    /// one with WGAN-GP's penalty (λ = 10), one with no constraint at all: is the mean gradient norm
    /// on interpolates near 1 for each? Theory: the optimal 1-Lipschitz critic has norm 1 on the
    /// lines between coupled points (Gulrajani et al. 2017, Prop. 1), and the penalty pulls the norm
    /// there (with the WGAN loss pulling too, a linear critic settles at 1 + W₁/(2λ) ≈ 1.15 here);
    /// without a constraint E f(real) − E f(fake) is unbounded, so Adam keeps steepening the critic
    /// and the norm grows steadily (tens after 300 steps). The check reads "near 1" as within
    /// [0.5, 1.5] and "not near" as above 2.5 or below 0.25.
    /// </summary>
    // the experiment reports the outcome: a stub that calls it is held for review
    [AnswerInLibrary(typeof(Ex08), nameof(GradientNormRun))]
    [Exercise("08.predict-gradient-norm", "predict: gradient norms on interpolates, with and without the penalty")]
    public static ExerciseResult PredictGradientNorm(Func<NormNearOne> prediction) =>
        Prediction.Judge(NormId, NormTitle, prediction,
            () => GradientNormRun(Exercise.Seed(NormId, 808)),
            _ => "The penalty holds the critic near the optimal 1-Lipschitz one, whose gradient has " +
                 "norm 1 between the data and the fakes; without it nothing stops the critic from " +
                 "growing, and its 'estimate' with it.",
            (guess, _) => (guess switch
            {
                NormNearOne.Both or NormNearOne.OnlyWithout =>
                    "Without a constraint the critic's objective E f(real) − E f(fake) has no " +
                    "maximum: doubling f doubles it, so every step makes f steeper and the gradient " +
                    "norm grows with training (a WGAN's critic must be constrained: clipping, a " +
                    "penalty or spectral norm). ",
                _ => "",
            }) + (guess is NormNearOne.Neither or NormNearOne.OnlyWithout
                ? "With the penalty λ·E[(‖∇f(x̂)‖ − 1)²] the critic pays for any norm away from 1 on " +
                  "the interpolates, and the optimal 1-Lipschitz critic has norm exactly 1 on the " +
                  "segments between coupled real and fake points (Gulrajani et al. 2017, Prop. 1): " +
                  "the two pulls agree, so the norm settles near 1."
                : "The penalty pins the norm near 1 only where it is applied, on the interpolates."));

    /// <summary>The experiment of 08.predict-gradient-norm: real N((1.5, 0), 0.3²·I), fake
    /// N((−1.5, 0), 0.3²·I), frozen; two MLP critics (2 → 64 → 64 → 1, ReLU, the same
    /// initialisation), 300 Adam steps (lr 1e-3, β = (0.5, 0.9), batch 128) on
    /// E f(fake) − E f(real), plus 10·GP for one; the mean gradient norm on 1,024 fresh
    /// interpolates.</summary>
    public static Measured<NormNearOne> GradientNormRun(ulong seed)
    {
        int init = (int)(seed % int.MaxValue);
        using var g = new Generator(seed);
        var centre = tensor(new float[] { 1.5f, 0 });
        Tensor Real(int n) => centre + 0.3 * randn(new long[] { n, 2 }, generator: g);
        Tensor Fake(int n) => -centre + 0.3 * randn(new long[] { n, 2 }, generator: g);
        double Train(bool penalty)
        {
            using var critic = Models.Mlp.Critic(2, 64, 2, Models.MlpActivation.ReLU, seed: init);
            using var opt = optim.Adam(critic.parameters(), 1e-3, 0.5, 0.9);
            for (int step = 0; step < 300; step++)
            {
                using var scope = NewDisposeScope();
                var real = Real(128);
                var fake = Fake(128);
                var loss = critic.call(fake).mean() - critic.call(real).mean();
                if (penalty) loss = loss + Objectives.WganGp.GradientPenalty(critic, real, fake, 10, g);
                opt.zero_grad();
                loss.backward();
                opt.step();
            }
            return Objectives.WganGp.InterpolateGradientNorms((x, _) => critic.call(x), Real(1024), Fake(1024),
                                                              null, g).mean().item<float>();
        }
        double withPenalty = Train(true), without = Train(false);
        bool? Near(double m) => m is >= 0.5 and <= 1.5 ? true : m > 2.5 || m < 0.25 ? false : null;
        NormNearOne? outcome = (Near(withPenalty), Near(without)) switch
        {
            (true, true) => NormNearOne.Both,
            (true, false) => NormNearOne.OnlyWithPenalty,
            (false, true) => NormNearOne.OnlyWithout,
            (false, false) => NormNearOne.Neither,
            _ => null,
        };
        return new(outcome, $"mean ‖∇f(x̂)‖ on interpolates {withPenalty:F3} with the penalty, " +
                            $"{without:F3} without");
    }

    /// <summary>
    /// The student's gradient penalty λ·E[(‖∇x̂ f(x̂)‖₂ − 1)²] on the interpolates x̂ = εx + (1 − ε)x̃ (eps [B, 1] given),
    /// as a differentiable scalar: its gradient must reach the critic's parameters (double backpropagation,
    /// create_graph: true), otherwise the penalty would not train the critic. Hidden critics: a linear critic with a known
    /// slope (closed form λ(‖w‖ − 1)²) and a small ReLU network.
    /// </summary>
    [AnswerInLibrary(typeof(Objectives.WganGp), nameof(Objectives.WganGp.GradientPenalty))]
    [AnswerInLibrary(typeof(Objectives.WganGp), nameof(Objectives.WganGp.InputGradientNorms))]
    [AnswerInLibrary(typeof(Objectives.WganGp), nameof(Objectives.WganGp.InterpolateGradientNorms))]
    [Exercise("08.gradient-penalty", "the gradient penalty on interpolates")]
    public static ExerciseResult GradientPenalty(Func<nn.Module<Tensor, Tensor>, Tensor, Tensor, Tensor, double, Tensor> studentPenalty) =>
        Exercise.Run("08.gradient-penalty", "the gradient penalty on interpolates", () =>
        {
            using var g = new Generator(Exercise.Seed("08.gradient-penalty", 818));
            var linear = nn.Linear(2, 1);
            using (no_grad()) { linear.weight!.copy_(tensor(new float[] { 3, 4 }).reshape(1, 2)); linear.bias!.fill_(0.5); }
            var mlp = nn.Sequential(nn.Linear(3, 16), nn.Tanh(), nn.Linear(16, 1));
            using (no_grad()) foreach (var p in mlp.parameters()) p.copy_(randn(p.shape, generator: g));
            var cases = new (string What, nn.Module<Tensor, Tensor> Critic, int Dim, double Lambda)[]
            {
                ("a linear critic f(x) = 3x₁ + 4x₂ + 0.5 (‖∇f‖ = 5 everywhere), λ = 10", linear, 2, 10),
                ("a small tanh network on 3-D data, λ = 0.1", mlp, 3, 0.1),
            };
            foreach (var (what, critic, dim, lambda) in cases)
            {
                var real = randn(new long[] { 32, dim }, generator: g);
                var fake = randn(new long[] { 32, dim }, generator: g) * 2;
                var eps = rand(new long[] { 32, 1 }, generator: g);
                var (expected, variants) = Reference(critic, real, fake, eps, lambda);
                foreach (var p in critic.parameters()) p.grad?.zero_();
                var got = studentPenalty(critic, real.clone(), fake.clone(), eps.clone(), lambda);
                Expect.Close(what, got, expected, 1e-4, variants);
                // The value is right: does its gradient reach the critic's parameters?
                Expect.That(got.requires_grad,
                    $"{what}: the value is right, but the penalty has no gradient with respect to the critic's parameters, so it would not train the critic. " +
                    "Take the input gradient with torch.autograd.grad(..., create_graph: true) and do not detach it.");
                var reference = ParameterGradients(critic, () => expected);
                var student = StudentParameterGradients(critic, got, what);
                for (int i = 0; i < reference.Length; i++)
                    Expect.That(student[i].allclose(reference[i], rtol: 1e-3, atol: 1e-4),
                        $"{what}: the value is right, but its gradient with respect to the critic's parameters is not. Take the input gradient with create_graph: true so that backpropagation goes through it.");
            }
        });

    /// <summary>
    /// The student's estimate of the largest singular value σ(W) of a matrix W [out, in] by power iteration from a given
    /// unit vector u [out]: repeat v ← Wᵀu/‖Wᵀu‖, u ← Wv/‖Wv‖, then σ ≈ uᵀWv. Returned as a double. Spectral normalisation
    /// divides W by this σ so that the layer is 1-Lipschitz.
    /// </summary>
    [AnswerInLibrary(typeof(Models.SpectralNorm), nameof(Models.SpectralNorm.LargestSingularValue))]
    [Exercise("08.power-iteration", "the largest singular value by power iteration")]
    public static ExerciseResult PowerIteration(Func<Tensor, Tensor, int, double> studentSigma) =>
        Exercise.Run("08.power-iteration", "the largest singular value by power iteration", () =>
        {
            using var g = new Generator(Exercise.Seed("08.power-iteration", 828));
            var diag3 = diag(tensor(new double[] { 3, 1, 0.5 }));
            var rect = randn(new long[] { 6, 4 }, dtype: float64, generator: g);
            foreach (var (what, w) in new[] { ("W = diag(3, 1, 0.5)", diag3), ("a random 6×4 matrix", rect) })
            {
                var u0 = randn(w.shape[0], dtype: float64, generator: g);
                u0 /= u0.norm();
                double exact = linalg.svdvals(w)[0].item<double>();
                double got = studentSigma(w.clone(), u0.clone(), 50);
                Expect.Close(what + " (50 iterations)", got, exact, 1e-4,
                    ("you returned the Frobenius norm ‖W‖_F = √(Σ w_ij²), which is ≥ σ(W) and equal only for rank-1 matrices.", w.norm().item<double>()),
                    ("you returned σ(W)²: uᵀWv with u = Wv/‖Wv‖ is already σ; do not multiply by ‖Wv‖ again.", exact * exact),
                    ("you returned the largest entry |w_ij|, not the largest singular value.", w.abs().max().item<double>()));
            }
        });

    static (Tensor Value, (string, Tensor)[] Variants) Reference(nn.Module<Tensor, Tensor> critic, Tensor real, Tensor fake, Tensor eps, double lambda)
    {
        using var enable = enable_grad();
        Tensor Grad(Tensor at, bool create)
        {
            using var enableHere = enable_grad(); // also inside the no_grad block below (the variants)
            var x = at.detach().requires_grad_(true);
            return autograd.grad(new[] { critic.call(x).sum() }, new[] { x }, create_graph: create, retain_graph: create)[0];
        }
        var xhat = eps * real + (1 - eps) * fake;
        var grad = Grad(xhat, true);
        var norms = grad.norm(dim: 1);
        var value = lambda * (norms - 1).square().mean();
        using var _ = no_grad();
        var variants = new (string, Tensor)[]
        {
            ("you penalised ‖∇f‖² (or (‖∇f‖² − 1)); the penalty is (‖∇f(x̂)‖₂ − 1)², pulling the norm itself towards 1.", lambda * (norms.detach().square() - 1).square().mean()),
            ("you penalised ‖∇f‖² instead of (‖∇f‖ − 1)²: that pushes the gradient towards 0, not towards norm 1.", lambda * norms.detach().square().mean()),
            ("you used the one-sided penalty max(0, ‖∇f‖ − 1)²; WGAN-GP's is two-sided, (‖∇f‖ − 1)².", lambda * (norms.detach() - 1).clamp_min(0).square().mean()),
            ("the weight λ is missing.", (norms.detach() - 1).square().mean()),
            ("you summed over the batch; the penalty is an expectation: average over the samples.", lambda * (norms.detach() - 1).square().sum()),
            ("you took one norm of the whole batch's gradient; the penalty needs ‖∇f(x̂_i)‖ per sample (norm over the features, dimension 1).", lambda * (grad.detach().norm() - 1).square()),
            ("you evaluated the gradient at the real samples; WGAN-GP penalises it at the interpolates x̂ = εx + (1 − ε)x̃.", lambda * (Grad(real, false).norm(dim: 1) - 1).square().mean()),
            ("you evaluated the gradient at the fake samples; WGAN-GP penalises it at the interpolates x̂ = εx + (1 − ε)x̃.", lambda * (Grad(fake, false).norm(dim: 1) - 1).square().mean()),
            ("ε and 1 − ε are swapped in x̂: with x̂ = εx + (1 − ε)x̃, ε = 1 gives the real sample.", lambda * (Grad(eps * fake + (1 - eps) * real, false).norm(dim: 1) - 1).square().mean()),
            ("you used the L1 norm of the gradient; the penalty uses the Euclidean norm ‖·‖₂.", lambda * (grad.detach().abs().sum(dim: 1) - 1).square().mean()),
        };
        return (value, variants);
    }

    /// <summary>
    /// The gradients of the student's penalty with respect to the critic's parameters, by <c>backward()</c>. Not by
    /// <c>autograd.grad</c>: when the student's input gradient was taken with <c>create_graph: true</c> but without
    /// <c>retain_graph: true</c> (TorchSharp, unlike PyTorch, does not retain the graph when create_graph is set), the
    /// forward graph's saved tensors are already freed, and libtorch's error then aborts the whole process inside
    /// <c>autograd.grad</c> (the kernel dies), while <c>backward()</c> reports it as an exception that becomes a hint.
    /// </summary>
    static Tensor[] StudentParameterGradients(nn.Module<Tensor, Tensor> critic, Tensor penalty, string what)
    {
        using var enable = enable_grad();
        var parameters = critic.parameters().ToArray();
        foreach (var p in parameters) p.grad?.zero_();
        try { penalty.backward(retain_graph: true); }
        catch (Exception e) when (e.Message.Contains("backward through the graph a second time"))
        {
            Expect.That(false,
                $"{what}: the value is right, but backpropagating it into the critic fails: the graph of the critic's forward pass was " +
                "freed by torch.autograd.grad. In TorchSharp, create_graph: true does not keep that graph by itself (PyTorch's default " +
                "does); the penalty's backward pass needs it too.");
        }
        return parameters.Select(p => p.grad is null || p.grad.IsInvalid ? zeros_like(p) : p.grad.detach().clone()).ToArray();
    }

    static Tensor[] ParameterGradients(nn.Module<Tensor, Tensor> critic, Func<Tensor> penalty)
    {
        using var enable = enable_grad();
        var parameters = critic.parameters().ToArray();
        return autograd.grad(new[] { penalty() }, parameters, retain_graph: true, allow_unused: true)
            .Select((t, i) => t is null || t.IsInvalid ? zeros_like(parameters[i]) : t.detach().clone()).ToArray(); // unused parameters come back as empty handles
    }
}

/// <summary>The options of 08.predict-gradient-norm: for which critics the mean gradient norm
/// on interpolates is near 1.</summary>
public enum NormNearOne { Both, OnlyWithPenalty, OnlyWithout, Neither }
