using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace WganCourse.Exercises;

/// <summary>Notebook 05 (DCGAN): the output size of a transposed convolution, the DCGAN weight initialisation, and
/// the Fréchet distance between two 1-D Gaussians (the formula behind FID and FD-digits).</summary>
public static class Ex05
{
    /// <summary>
    /// The student's output size of a 2-D transposed convolution along one axis (dilation 1, no output padding):
    /// (input − 1)·stride − 2·padding + kernel.
    /// </summary>
    [Exercise("05.convt-size", "output size of a transposed convolution")]
    public static ExerciseResult ConvTransposeOutputSize(Func<int, int, int, int, int> studentSize) =>
        Exercise.Run("05.convt-size", "output size of a transposed convolution", () =>
        {
            var cases = Exercise.Cases("05.convt-size",
                new (int Input, int Kernel, int Stride, int Padding, string What)[]
            {
                (1, 7, 1, 0, "the DCGAN generator's first layer: 1×1 z, kernel 7, stride 1, padding 0"),
                (7, 4, 2, 1, "its second layer: 7×7, kernel 4, stride 2, padding 1"),
                (14, 4, 2, 1, "its output layer: 14×14, kernel 4, stride 2, padding 1"),
                (5, 3, 2, 0, "input 5, kernel 3, stride 2, padding 0"),
                (3, 5, 3, 2, "input 3, kernel 5, stride 3, padding 2"),
            }, r => Enumerable.Range(0, 5).Select(_ =>
            {
                int i = 1 + r.Next(16), k = 1 + r.Next(7), s = 1 + r.Next(3);
                int p = r.Next((k + 1) / 2);
                if ((i - 1) * s - 2 * p + k < 1) p = 0;
                return (i, k, s, p, $"input {i}, kernel {k}, stride {s}, padding {p}");
            }).ToArray());
            foreach (var (input, kernel, stride, padding, what) in cases)
            {
                int got = studentSize(input, kernel, stride, padding);
                int expected = (input - 1) * stride - 2 * padding + kernel;
                Expect.Close(what, got, expected, 0,
                    ("that is the output size of an ordinary convolution, ⌊(input + 2·padding − kernel)/stride⌋ + 1; a transposed convolution runs that map backwards (it maps the convolution's output size back to its input size).",
                        Math.Floor((input + 2.0 * padding - kernel) / stride) + 1),
                    ("padding is taken off both sides of the output: subtract 2·padding.", (input - 1) * stride - padding + kernel),
                    ("input·stride counts one stride too many: the first input pixel places a kernel at offset 0, each further one shifts it by stride, so the span is (input − 1)·stride + kernel.", input * stride - 2 * padding + kernel),
                    ("padding is removed from the output of a transposed convolution, not added to it.", (input - 1) * stride + 2 * padding + kernel));
            }
        });

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
