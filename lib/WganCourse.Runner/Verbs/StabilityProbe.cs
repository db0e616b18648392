using System.Text.Json;
using TorchSharp;
using WganCourse.Data;
using WganCourse.Metrics;
using WganCourse.Runtime;
using WganCourse.Training;

namespace WganCourse.Runner.Verbs;

/// <summary> Hidden verb `stability` (issue #21, item 4; not in the usage text): the GAN and a WGAN
/// on the MLP generator without BatchNorm, per seed. `stability [--gen mlp] [--steps N]
/// [--seeds 1-3] [--batch 64] [--wgan gp|clip] [--hidden 256,512] [--samples 2000]
/// [--grids DIR] [--json FILE] [--rows gan,wgan,gan-bn]`. One libtorch thread unless WGAN_COURSE_THREADS says
/// otherwise.
/// </summary>
static class StabilityProbe
{
    public static int Run(string[] args)
    {
        int steps = 1000, batch = 64, samples = 2000;
        int[] seeds = { 1, 2, 3 };
        int[]? hidden = null;
        var wgan = StabilityWgan.Gp;
        string? json = null, grids = null;
        string[] rows = { "gan", "wgan" };
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i]
                : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--gen":
                    var gen = Next();
                    if (gen != "mlp")
                    {
                        Console.Error.WriteLine($"--gen {gen}: only mlp (DcganGenerator has no BatchNorm switch)");
                        return 2;
                    }
                    break;
                case "--steps": steps = int.Parse(Next()); break;
                case "--seeds":
                    var p = Next().Split('-').Select(int.Parse).ToArray();
                    seeds = Enumerable.Range(p[0], p[^1] - p[0] + 1).ToArray(); break;
                case "--batch": batch = int.Parse(Next()); break;
                case "--samples": samples = int.Parse(Next()); break;
                case "--wgan": wgan = Enum.Parse<StabilityWgan>(Next(), ignoreCase: true); break;
                case "--hidden": hidden = Next().Split(',').Select(int.Parse).ToArray(); break;
                case "--grids": grids = Next(); break;
                case "--rows": rows = Next().Split(','); break;
                case "--json": json = Next(); break;
                default: Console.Error.WriteLine($"unknown argument {args[i]}"); return 2;
            }
        }
        Console.WriteLine(Course.Setup());
        torch.set_num_threads(Threads.ToyModelThreads);
        var digits = Digits.Load();
        var classifier = DigitClassifier.ForCourse();
        using (var reals = Stability.Reals(digits, samples))
        using (var order = torch.randperm(digits.Count, generator: Seeds.Generator(55)))
        {
            var other = digits.Images.index_select(0, order)[samples..(2 * samples)];
            Console.WriteLine($"FD-digits real vs real ({samples} each): "
                + $"{FdDigits.Compute(classifier, reals, other):0.00}");
        }
        Console.WriteLine($"MLP G (BatchNorm only in a gan-bn row), hidden [{string.Join(", ", hidden ?? Models.MnistMlp
            .GeneratorHidden)}]; steps {steps}, batch {batch}, seeds {string.Join(",", seeds)}, block "
            + $"{Seeds.Block}, WGAN {wgan}, threads {torch.get_num_threads()}, profile {Profile.Describe()}");
        var options = new StabilityOptions
        {
            Steps = steps, Seeds = seeds, BatchSize = batch, Hidden = hidden, Wgan = wgan,
            Samples = samples, GridDir = grids, Rows = rows,
        };
        var runs = Stability.Run(digits, classifier, options, r => Console.WriteLine(
            $"  seed {r.Seed} {r.Objective}: FD-digits {r.FdDigits:0.0}, classes ≥ 5 % {r.ClassesHeld}, "
            + $"top {r.TopShare:P0}, {r.Seconds:0.0} s ({r.MsPerStep:0.0} ms/step)"));
        Console.WriteLine();
        Console.Write(Stability.Table(runs));
        // the untrained generator of each seed (both objectives start from it), for the variety claim
        var untrained = new Dictionary<int, double>();
        foreach (int s in seeds)
            using (var g0 = new Models.MnistMlpGenerator(seed: 10 * s + 1, hidden: hidden))
                untrained[s] = Stability.Variety(g0);
        Console.WriteLine("variety of the untrained G per seed: "
            + string.Join(", ", untrained.Select(u => $"seed {u.Key} {u.Value:0.00}")));
        if (rows.Contains("gan") && rows.Contains("wgan")) // the claims compare these two rows
            foreach (var c in new[] { Stability.FdClaim(runs), Stability.CollapseClaim(runs),
                                      Stability.VarietyClaim(runs, untrained) })
                Console.WriteLine($"{c.Id}: {(c.Passed ? "pass" : "FAIL")}; expected {c.Expected}; measured "
                    + $"{c.Measured}; {c.Note}");
        if (json is not null)
            File.WriteAllText(json, JsonSerializer.Serialize(new
            {
                steps, batch, samples, wgan = wgan.ToString(), block = Seeds.Block,
                hidden = hidden ?? Models.MnistMlp.GeneratorHidden, threads = torch.get_num_threads(),
                runs = runs.Select(r => new
                {
                    r.Seed, r.Objective, fd = r.FdDigits, classes = r.ClassesHeld, r.Readings, r.Seconds,
                    msPerStep = r.MsPerStep, variety = r.Variety,
                }),
                untrainedVariety = untrained,
            }, new JsonSerializerOptions { WriteIndented = true }));
        return 0;
    }
}
