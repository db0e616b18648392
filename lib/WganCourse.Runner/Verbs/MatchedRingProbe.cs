using System.Text.Json;
using TorchSharp;
using WganCourse.Runtime;
using WganCourse.Training;

namespace WganCourse.Runner.Verbs;

/// <summary> Hidden verb `matched-ring` (issue #21, item 2; not in the usage text): trains the
/// matched ring experiment and prints its table. `matched-ring [--objectives LossA,LossB,...]
/// [--steps N] [--at 1000,2000] [--seeds 1-10] [--batch 64] [--hidden 64] [--json FILE]`. The seed
/// block comes from WGAN_COURSE_SEED_BLOCK, as everywhere. </summary>
static class MatchedRingProbe
{
    /// <summary>Where a toy step's time goes: the whole step at width w and at width 1 (the
    /// overhead floor), and the K copies' data and z draws alone (n_critic + 1 of each per
    /// generator step).</summary>
    static int Profile(IReadOnlyList<RingObjective> objectives, int[] seeds, int batch, int hidden,
        int steps)
    {
        var ring = Data.Toy.Ring8();
        double StepMs(RingObjective o, int width)
        {
            var opt = new SeedBatchOptions { Steps = steps, BatchSize = batch };
            SeedBatchTrainer.Toy(MatchedRing.Make(o), ring, seeds, opt with { Steps = 20 },
                hidden: width);
            var r = SeedBatchTrainer.Toy(MatchedRing.Make(o), ring, seeds, opt, hidden: width);
            return r.MsPerStep;
        }
        var sources = seeds.Select(s => (IBatchSource)new ToyBatches(ring, s)).ToList();
        var zGens = seeds.Select(s => Seeds.Generator(s)).ToArray();
        double DrawMs(int reps)
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            for (int i = 0; i < reps; i++)
            {
                using var scope = torch.NewDisposeScope();
                torch.stack(sources.Select(src => src.Next(batch).X).ToArray());
                torch.stack(zGens.Select(g => torch.randn(new long[] { batch, 2 },
                    generator: g)).ToArray());
            }
            return clock.Elapsed.TotalMilliseconds / reps;
        }
        var toy = seeds.Select(s => new ToyBatches(ring, s)).ToList();
        double DrawEachMs(int reps)
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            for (int i = 0; i < reps; i++)
            {
                using var scope = torch.NewDisposeScope();
                ToyBatches.NextEach(toy, batch);
                torch.stack(zGens.Select(g => torch.randn(new long[] { batch, 2 },
                    generator: g)).ToArray());
            }
            return clock.Elapsed.TotalMilliseconds / reps;
        }
        DrawMs(200);
        DrawEachMs(200);
        double draw = 0, drawEach = 0;
        for (int r = 0; r < 5; r++) (draw, drawEach) = (draw + DrawMs(400), drawEach
            + DrawEachMs(400)); // interleaved
        (draw, drawEach) = (draw / 5, drawEach / 5);
        Console.WriteLine($"data + z draw for all copies: per copy {draw:0.000} ms, " +
                          $"batched (NextEach) " +
                          $"{drawEach:0.000} ms");
        draw = drawEach;
        double trivial = Hosting.Benchmark.TrivialCallMicroseconds();
        Console.WriteLine($"K = {seeds.Length}, batch {batch}, width {hidden}; " +
                          $"trivial libtorch call {trivial:0.0} µs; " +
                          "(step rows below: the trainer's batched draw)");
        foreach (var o in objectives)
        {
            int nCritic = MatchedRing.Make(o).CriticIterations(1);
            double full = StepMs(o, hidden), floor = StepMs(o, 1);
            Console.WriteLine($"{MatchedRing.Label(o)}: {full:0.00} ms/step at width {hidden}, " +
                              $"floor (width 1) " +
                              $"{floor:0.00} ms ({full / floor:0.0}× floor); data + z draws " +
                              $"{(nCritic + 1) * draw:0.00} ms/step " +
                              $"({(nCritic + 1) * draw / full:P0})");
        }
        return 0;
    }

    /// <summary>`matched-ring --fill OBJECTIVE[,OBJECTIVE]`: the course command's stage. Trains
    /// the profile's matched ring (<see cref="MatchedRing.BudgetOptions"/>) for the objectives
    /// given and stores it (<see cref="MatchedRingStore"/>) for notebooks 03, 07 and 08 to read;
    /// prints one line per objective.</summary>
    static int Fill(IReadOnlyList<RingObjective> objectives)
    {
        torch.set_num_threads(Threads.ToyModelThreads); // the notebooks' setting: the same key
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var options = MatchedRing.BudgetOptions() with { Retrain = true };
        int every = Math.Max(1, options.Steps / 4);
        options = options with
        {
            AfterStep = (o, step) =>
            {
                if (step == 1) clock.Restart();
                if (step % every == 0 && step < options.Steps)
                    Console.WriteLine($"{MatchedRing.Label(o)}: step {step} of {options.Steps}, " +
                                      $"{clock.Elapsed.TotalSeconds:0} s");
            },
        };
        if (options.StoreDirectory is null)
        {
            Console.Error.WriteLine("no store: run from inside the course repository");
            return 2;
        }
        MatchedRing.Run(objectives, options, rows => Console.WriteLine(
            $"{rows[^1].Name}: {options.Seeds.Count} seeds × {options.Steps} steps in " +
            $"{rows[^1].RunWallTime.TotalSeconds:0} s; {rows[^1].Provenance}"));
        return 0;
    }

    public static int Run(string[] args)
    {
        if (args.Length == 2 && args[0] == "--fill")
            return Fill(args[1].Split(',').Select(Enum.Parse<RingObjective>).ToList());
        var objectives = MatchedRing.Notebook08.ToList();
        int steps = 6000, batch = 64, hidden = 64;
        int[] at = { 1000, 2000, 4000 }, seeds = Enumerable.Range(1, 10).ToArray();
        string? json = null;
        int profile = 0;
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i]
                : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--objectives":
                    objectives = Next().Split(',').Select(Enum.Parse<RingObjective>).ToList();
                    break;
                case "--steps": steps = int.Parse(Next()); break;
                case "--at": at = Next().Split(',').Select(int.Parse).ToArray(); break;
                case "--seeds":
                    var p = Next().Split('-').Select(int.Parse).ToArray();
                    seeds = Enumerable.Range(p[0], p[1] - p[0] + 1).ToArray(); break;
                case "--batch": batch = int.Parse(Next()); break;
                case "--hidden": hidden = int.Parse(Next()); break;
                case "--json": json = Next(); break;
                case "--profile": profile = int.Parse(Next()); break;
                default: Console.Error.WriteLine($"unknown argument {args[i]}"); return 2;
            }
        }
        Console.WriteLine(Course.Setup());
        torch.set_num_threads(Threads.ToyModelThreads);
        if (profile > 0) return Profile(objectives, seeds, batch, hidden, profile);
        var options = new MatchedRingOptions
        {
            Steps = steps, Seeds = seeds, ReadAt = at.Where(s => s < steps).ToArray(),
                BatchSize = batch,
            Hidden = hidden,
        };
        Console.WriteLine($"seeds {seeds[0]}–{seeds[^1]}, block {Seeds.Block}, batch {batch}, " +
                          $"width {hidden}, " +
                          $"threads {torch.get_num_threads()}, MKL_ENABLE_INSTRUCTIONS=" +
                          (Environment.GetEnvironmentVariable("MKL_ENABLE_INSTRUCTIONS") ?? "-"));
        var table = MatchedRing.Run(objectives, options, rows =>
        {
            var t = new MatchedRingTable(rows, options);
            Console.Write(t.ToMarkdown());
            Console.WriteLine($"  {rows[0].Name}: {rows[0].RunWallTime.TotalSeconds:0.0} s, " +
                              $"{rows[0].RunWallTime.TotalMilliseconds / steps:0.00} ms/step");
        });
        Console.WriteLine();
        Console.Write(table.ToMarkdown());
        if (objectives.Contains(RingObjective.LossA) && objectives.Contains(RingObjective.LossB))
        {
            var (a, b) = (table.FinalOf(RingObjective.LossA), table.FinalOf(RingObjective.LossB));
            foreach (var c in new[] { MatchedRingClaims.ModeCollapse(a, b),
                         MatchedRingClaims.ModeImbalance(a, b),
                         MatchedRingClaims.MetricBlindSpot(table.Final) })
                Console.WriteLine($"{c.Id}: {(c.Passed ? "pass" : c.KnownFailure is null ? "FAIL"
                    : "not reproduced")}; expected {c.Expected}; measured {c.Measured}; " +
                    $"margin {(c.Margin is double m ? Claims.ClaimResult.FormatMargin(m) : "-")}" +
                    $"; {c.Note}");
        }
        if (json is not null)
            File.WriteAllText(json, JsonSerializer.Serialize(table.Rows.Select(r => new
            {
                objective = r.Objective.ToString(), r.Step, modes = r.Summary.Modes.Mean,
                perSeed = r.Summary.ModesPerSeed, near = r.Summary.HighQuality.Mean,
                nearPerSeed = r.Summary.Reports.Select(x => x.HighQualityFraction).ToArray(),
                rklPerSeed = r.Summary.Reports.Select(x => double.IsFinite(x.ReverseKl)
                    ? x.ReverseKl : (double?)null).ToArray(),
                rkl = double.IsFinite(r.Summary.ReverseKl.Mean) ? r.Summary.ReverseKl.Mean
                    : (double?)null, outcomes = r.Outcomes.Select(o => o.ToString()).ToArray(),
                seconds = r.Seconds, block = Seeds.Block,
            }), new JsonSerializerOptions { WriteIndented = true }));
        return 0;
    }
}
