using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace WganCourse.Exercises;

/// <summary>Notebook 05 (DCGAN): a prediction on transposed convolutions' checkerboards, the DCGAN weight initialisation, and
/// the Fréchet distance between two 1-D Gaussians (the formula behind FID and FD-digits).</summary>
public static class Ex05
{
    const string BoardId = "05.predict-checkerboard";
    const string BoardTitle = "predict: which transposed convolution paints a checkerboard";

    /// <summary>
    /// Prediction: a constant image through a stride-2 transposed convolution with an all-ones
    /// kernel (padding 1), kernel 3 or kernel 4: which output is uneven (a checkerboard)? Theory
    /// (Odena et al. 2016): per axis an output pixel collects ⌈k/s⌉ or ⌊k/s⌋ taps, by its position
    /// mod s. Kernel 4: 2 and 2, every interior pixel is 4·c; kernel 3: 2 and 1, interior values
    /// c, 2c, 4c. Exact arithmetic, so the check's thresholds (max/min above 1.5, below 1.01) hold for
    /// any constant and size the grader draws.
    /// </summary>
    // the experiment reports the outcome: a stub that calls it is held for review
    [AnswerInLibrary(typeof(Ex05), nameof(CheckerboardRun))]
    [Exercise("05.predict-checkerboard", "predict: which transposed convolution paints a checkerboard")]
    public static ExerciseResult PredictCheckerboard(Func<Checkerboard> prediction) =>
        Prediction.Judge(BoardId, BoardTitle, prediction,
            () => CheckerboardRun(Exercise.Seed(BoardId, 505)),
            _ => "With kernel 4 and stride 2 every output pixel is covered by exactly two kernel " +
                 "taps per axis; kernel 3 alternates two and one. That is why DCGAN's generator " +
                 "upsamples with kernel 4, stride 2.",
            (guess, _) => "Count the overlaps: a stride-2 transposed convolution pastes one copy of " +
                "the kernel per input pixel, 2 pixels apart. Along one axis an output pixel is " +
                "covered by ⌈k/2⌉ or ⌊k/2⌋ copies, by its parity: kernel 4 gives 2 and 2 (even, a " +
                "constant stays constant), kernel 3 gives 2 and 1, so in 2-D the interior pixels get " +
                "4, 2 or 1 taps: a checkerboard (Odena et al. 2016, 'Deconvolution and checkerboard " +
                "artifacts'). A kernel size divisible by the stride avoids it; DCGAN uses 4 with 2.");

    /// <summary>The experiment of 05.predict-checkerboard: a constant c in [0.5, 2] on an n×n image,
    /// n in 6…12 (c = 1, n = 8 on the fixed seed), through conv_transpose2d with stride 2, padding
    /// 1 and an all-ones kernel of size 3 and of size 4; max/min of the output without its border
    /// (2 pixels).</summary>
    public static Measured<Checkerboard> CheckerboardRun(ulong seed)
    {
        var r = new Random((int)(seed & int.MaxValue));
        double c = seed == 505 ? 1 : 0.5 + 1.5 * r.NextDouble();
        int n = seed == 505 ? 8 : 6 + r.Next(7);
        using var _ = no_grad();
        var image = full(new long[] { 1, 1, n, n }, c, dtype: float64);
        double Uneven(int k)
        {
            var y = nn.functional.conv_transpose2d(image, ones(new long[] { 1, 1, k, k }, dtype: float64),
                                                   null, new long[] { 2, 2 }, new long[] { 1, 1 });
            var inner = y[0, 0, TensorIndex.Slice(2, -2), TensorIndex.Slice(2, -2)];
            return inner.max().item<double>() / inner.min().item<double>();
        }
        double r3 = Uneven(3), r4 = Uneven(4);
        bool? Board(double ratio) => ratio > 1.5 ? true : ratio < 1.01 ? false : null;
        Checkerboard? outcome = (Board(r3), Board(r4)) switch
        {
            (true, false) => Checkerboard.Kernel3,
            (false, true) => Checkerboard.Kernel4,
            (true, true) => Checkerboard.Both,
            (false, false) => Checkerboard.Neither,
            _ => null,
        };
        return new(outcome, $"a constant {c:G3} on {n}×{n} pixels; inside the border, max/min = " +
                            $"{r3:G3} with kernel 3, {r4:G3} with kernel 4");
    }

    /// <summary>
    /// The student's DCGAN initialisation of a module, in place: every convolution, transposed convolution and linear
    /// weight ~ N(0, 0.02) with bias 0; every BatchNorm scale ~ N(1, 0.02) with shift 0 (Radford et al. 2015, section 4,
    /// and the BatchNorm convention of their reference code). Checked statistically on layers large enough that the
    /// sample mean and standard deviation are precise to a few percent.
    /// </summary>
    [AnswerInLibrary(typeof(Models.WeightInit), nameof(Models.WeightInit.Dcgan))]
    [Exercise("05.dcgan-init", "DCGAN weight initialisation")]
    public static ExerciseResult DcganInit(Action<nn.Module> studentInit) =>
        Exercise.Run("05.dcgan-init", "DCGAN weight initialisation", () =>
        {
            var net = new InitProbe();
            studentInit(net);
            using var _ = no_grad();
            CheckWeights("the Conv2d weights (the discriminator's layers)", net.Convs.Select(c => c.weight!));
            CheckWeights("the ConvTranspose2d weights (the generator's layers; in TorchSharp a ConvTranspose2d is not a Conv2d)", net.Transposed.Select(c => c.weight!));
            CheckWeights("the Linear weights", new[] { net.Fc.weight! });
            var gamma = cat(net.Norms.Select(b => b.weight!.detach().flatten()).ToArray());
            Expect.That(!AllEqual(gamma, Untouched.Scale), "the BatchNorm layers were not initialised: draw their scale γ from N(1, 0.02) and set their shift β to 0.");
            double gm = gamma.mean().item<float>(), gs = gamma.std().item<float>();
            Expect.That(Math.Abs(gm) > 0.5,
                "the BatchNorm scale γ is centred on 0: draw it from N(1, 0.02). A scale near 0 multiplies the layer's normalised output by almost nothing, switching the layer off.");
            Expect.That(gs > 0.002,
                "every BatchNorm scale γ is exactly the same value: the paper's reference code draws γ from N(1, 0.02) (PyTorch's default would be a constant 1).");
            Expect.That(Math.Abs(gm - 1) < 0.01 && gs > 0.016 && gs < 0.024,
                $"the BatchNorm scale γ should be ~ N(1, 0.02); yours has mean {gm:0.0000} and standard deviation {gs:0.0000}.");
            var biases = net.Biases().ToList();
            Expect.That(biases.All(b => b.abs().max().item<float>() == 0),
                "not every bias is 0: the convolution, transposed convolution and linear biases and the BatchNorm shifts β all start at 0.");
        });

    static void CheckWeights(string what, IEnumerable<Tensor> weights)
    {
        var w = cat(weights.Select(t => t.detach().flatten()).ToArray()).to_type(float64);
        Expect.That(!AllEqual(w, Untouched.Weight), $"{what} were not initialised (they still hold the values the check put there).");
        double mean = w.mean().item<double>(), std = w.std().item<double>();
        Expect.That(std > 1e-6, $"{what} are all the same number ({mean:G3}): draw them at random from N(0, 0.02).");
        Expect.That(Math.Abs(std - Math.Sqrt(0.02)) > 0.01,
            $"{what} have standard deviation {std:0.000} = √0.02: you passed 0.02 as the variance. In N(0, 0.02) the paper means standard deviation 0.02.");
        Expect.That(Math.Abs(std - 0.02) < 0.001, $"{what} have standard deviation {std:0.0000}; the paper's is 0.02.");
        Expect.That(Math.Abs(mean) < 0.002, $"{what} have mean {mean:0.0000}; they should be centred on 0.");
        var z = (w - mean) / std;
        double kurtosis = z.pow(4).mean().item<double>();
        Expect.That(kurtosis > 2.5,
            $"{what} have the right mean and spread but are not normally distributed (their kurtosis is {kurtosis:0.00}; a normal distribution's is 3, a uniform one's 1.8): draw from a normal distribution (normal_), not a uniform one.");
    }

    static bool AllEqual(Tensor t, double value) => t.eq(value).all().item<bool>();

    /// <summary>Values the check writes into every parameter before calling the student's code, to see what it touched.</summary>
    static class Untouched { public const double Weight = 0.5, Bias = 0.3, Scale = 0.7; }

    /// <summary>A DCGAN-like module with layers big enough for tight statistics (≈ 33k weights per kind, 2k BatchNorm scales).</summary>
    sealed class InitProbe : nn.Module
    {
        public readonly Conv2d[] Convs = { nn.Conv2d(32, 64, 4, stride: 2, padding: 1), nn.Conv2d(64, 1, 4, bias: true) };
        public readonly ConvTranspose2d[] Transposed = { nn.ConvTranspose2d(64, 32, 4, stride: 2, padding: 1, bias: true), nn.ConvTranspose2d(32, 1, 4, bias: true) };
        public readonly BatchNorm2d[] Norms = { nn.BatchNorm2d(1024), nn.BatchNorm2d(1024) };
        public readonly Linear Fc = nn.Linear(256, 128);

        public InitProbe() : base("InitProbe")
        {
            for (int i = 0; i < Convs.Length; i++) register_module($"conv{i}", Convs[i]);
            for (int i = 0; i < Transposed.Length; i++) register_module($"convt{i}", Transposed[i]);
            for (int i = 0; i < Norms.Length; i++) register_module($"bn{i}", Norms[i]);
            register_module("fc", Fc);
            using var _ = no_grad();
            foreach (var c in Convs) { c.weight!.fill_(Untouched.Weight); c.bias!.fill_(Untouched.Bias); }
            foreach (var c in Transposed) { c.weight!.fill_(Untouched.Weight); c.bias!.fill_(Untouched.Bias); }
            foreach (var b in Norms) { b.weight!.fill_(Untouched.Scale); b.bias!.fill_(Untouched.Bias); }
            Fc.weight!.fill_(Untouched.Weight); Fc.bias!.fill_(Untouched.Bias);
        }

        public IEnumerable<Tensor> Biases() =>
            Convs.Select(c => c.bias!).Concat(Transposed.Select(c => c.bias!)).Concat(Norms.Select(b => b.bias!)).Append(Fc.bias!);
    }

    /// <summary>
    /// The student's squared Fréchet distance between N(μ1, σ1²) and N(μ2, σ2²) — the 1-D case of
    /// d² = ‖μ1 − μ2‖² + Tr(Σ1 + Σ2 − 2(Σ1Σ2)^{1/2}), i.e. (μ1 − μ2)² + (σ1 − σ2)².
    /// </summary>
    [AnswerInLibrary(typeof(Metrics.Frechet), nameof(Metrics.Frechet.Distance))]
    [Exercise("05.frechet-1d", "Fréchet distance between two 1-D Gaussians")]
    public static ExerciseResult Frechet1D(Func<double, double, double, double, double> studentFrechet) =>
        Exercise.Run("05.frechet-1d", "Fréchet distance between two 1-D Gaussians", () =>
        {
            var cases = Exercise.Cases("05.frechet-1d",
                new (double Mu1, double Sigma1, double Mu2, double Sigma2)[]
            {
                // the first case tells every listed mistake apart; the others are the easy corners
                (-2, 0.3, 1.5, 1.7), (0, 1, 3, 1), (1, 2, 1, 0.5), (0.25, 1, 0.25, 1),
            }, r =>
            {
                double U(double lo, double hi) => Math.Round(lo + (hi - lo) * r.NextDouble(), 2);
                double m = U(-3, 3), s = U(0.2, 2);
                return new[] { (U(-3, -0.5), U(0.2, 0.6), U(0.5, 3), U(1.2, 2)),
                               (U(-3, 0), s, U(0, 3), s),
                               (m, U(1, 2), m, U(0.2, 0.8)), (m, s, m, s) };
            });
            foreach (var (m1, s1, m2, s2) in cases)
            {
                string what = $"N({m1}, {s1}²) against N({m2}, {s2}²)";
                double got = studentFrechet(m1, s1, m2, s2);
                double expected = (m1 - m2) * (m1 - m2) + (s1 - s2) * (s1 - s2);
                Expect.Close(what, got, expected, 1e-9,
                    ("you returned the distance d; FID and FD-digits report the squared distance d² (no square root).", Math.Sqrt(expected)),
                    ("the mean term is ‖μ1 − μ2‖², squared, not |μ1 − μ2|.", Math.Abs(m1 - m2) + (s1 - s2) * (s1 - s2)),
                    ("the cross term −2·Tr((Σ1Σ2)^{1/2}) = −2σ1σ2 is missing.", (m1 - m2) * (m1 - m2) + s1 * s1 + s2 * s2),
                    ("you compared the variances; the trace term Tr(Σ1 + Σ2 − 2(Σ1Σ2)^{1/2}) is σ1² + σ2² − 2σ1σ2 = (σ1 − σ2)², a difference of standard deviations.", (m1 - m2) * (m1 - m2) + (s1 * s1 - s2 * s2) * (s1 * s1 - s2 * s2)),
                    ("(Σ1Σ2)^{1/2} in 1-D is σ1σ2 (the square root of σ1²σ2²), not σ1²σ2².", (m1 - m2) * (m1 - m2) + s1 * s1 + s2 * s2 - 2 * s1 * s1 * s2 * s2));
            }
        });
}

/// <summary>The options of 05.predict-checkerboard.</summary>
public enum Checkerboard { Kernel3, Kernel4, Both, Neither }
