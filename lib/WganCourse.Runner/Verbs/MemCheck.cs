using TorchSharp;
using WganCourse.Data;
using WganCourse.Hosting;
using WganCourse.Models;
using WganCourse.Objectives;
using WganCourse.Runtime;
using WganCourse.Training;
using static TorchSharp.torch;

namespace WganCourse.Runner.Verbs;

/// <summary>
/// `memcheck [--leak-mib N] [--warmup W] [--steps S]`: the bench's working-set check on the toy GAN in a fresh process,
/// optionally with an objective that keeps N MiB per critic step of the measured run (the unit test of the check: in a long test process,
/// memory other tests release during the measurement can hide a leak of hundreds of MiB). Prints one line,
/// `memcheck: within_limit=… growth=… start_mib=… end_mib=…`, and exits 0.
/// </summary>
static class MemCheck
{
    /// <summary>The non-saturating GAN, but every critic step keeps a tensor alive (as a careless probe that stores
    /// activations in a list would).</summary>
    sealed class Leaky(int mib) : Objective
    {
        readonly GanNonSaturating gan = new();
        readonly List<Tensor> kept = new();
        public override string Name => mib == 0 ? gan.Name : $"leaky GAN ({mib} MiB per step)";
        public override Tensor CriticLoss(Func<Tensor, Tensor?, Tensor> critic, Tensor real, Tensor fake, Tensor? labels)
        {
            if (mib > 0)
                kept.Add(fake.detach().sum().expand(mib * 512, 512).clone().DetachFromDisposeScope());
            return gan.CriticLoss(critic, real, fake, labels);
        }
        public override Tensor GeneratorLoss(Tensor s) => gan.GeneratorLoss(s);
        public override OptimizerSpec CriticOptimizer => gan.CriticOptimizer;
        public override OptimizerSpec GeneratorOptimizer => gan.GeneratorOptimizer;
    }

    public static int Run(string[] args)
    {
        int leak = 0, warmup = 100, steps = 600;
        for (int i = 0; i < args.Length; i++)
        {
            string flag = args[i];
            int Next() => i + 1 < args.Length && int.TryParse(args[++i], out var v) && v >= 0 ? v
                : throw new ArgumentException($"{flag} needs a non-negative integer");
            switch (args[i])
            {
                case "--leak-mib": leak = Next(); break;
                case "--warmup": warmup = Next(); break;
                case "--steps": steps = Next(); break;
                default:
                    Console.Error.WriteLine($"unknown argument {args[i]}\nusage: memcheck [--leak-mib N] [--warmup W] [--steps S]");
                    return 2;
            }
        }
        Course.Setup();
        Seeds.Set(3);
        using var g = Mlp.Generator(hidden: 64, layers: 2);
        using var d = Mlp.Critic(hidden: 64, layers: 2);
        using var oneThread = Threads.Use(1);
        var objective = new Leaky(leak);
        var m = Benchmark.MeasureMemory(objective.Name, objective, g, d, new ToyBatches(Toy.Ring8()), 128,
                                        warmup, steps, samples: 4, device: CPU, warmupObjective: new GanNonSaturating());
        Console.WriteLine(FormattableString.Invariant($"memcheck: within_limit={m.WithinLimit()} growth={m.Growth:F4} ") +
                          FormattableString.Invariant($"start_mib={m.StartBytes / 1048576.0:F1} end_mib={m.EndBytes / 1048576.0:F1}") +
                          $" · {m}");
        return 0;
    }
}
