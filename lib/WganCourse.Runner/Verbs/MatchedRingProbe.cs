using System.Text.Json;
using TorchSharp;
using WganCourse.Runtime;
using WganCourse.Training;

namespace WganCourse.Runner.Verbs;

/// <summary>
/// Hidden verb `matched-ring` (issue #21, item 2; not in the usage text): trains the matched ring experiment and prints
/// its table. `matched-ring [--objectives LossA,LossB,...] [--steps N] [--at 1000,2000] [--seeds 1-10] [--batch 64]
/// [--hidden 64] [--json FILE]`. The seed block comes from WGAN_COURSE_SEED_BLOCK, as everywhere.
/// </summary>
static class MatchedRingProbe
{
    public static int Run(string[] args)
    {
        var objectives = MatchedRing.Notebook08.ToList();
        int steps = 6000, batch = 64, hidden = 64;
        int[] at = { 1000, 2000, 4000 }, seeds = Enumerable.Range(1, 10).ToArray();
        string? json = null;
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--objectives":
                    objectives = Next().Split(',').Select(Enum.Parse<RingObjective>).ToList(); break;
                case "--steps": steps = int.Parse(Next()); break;
                case "--at": at = Next().Split(',').Select(int.Parse).ToArray(); break;
                case "--seeds":
                    var p = Next().Split('-').Select(int.Parse).ToArray();
                    seeds = Enumerable.Range(p[0], p[1] - p[0] + 1).ToArray(); break;
                case "--batch": batch = int.Parse(Next()); break;
                case "--hidden": hidden = int.Parse(Next()); break;
                case "--json": json = Next(); break;
                default: Console.Error.WriteLine($"unknown argument {args[i]}"); return 2;
            }
        }
        Console.WriteLine(Course.Setup());
        torch.set_num_threads(Threads.ToyModelThreads);
        var options = new MatchedRingOptions
        {
            Steps = steps, Seeds = seeds, ReadAt = at.Where(s => s < steps).ToArray(), BatchSize = batch,
            Hidden = hidden,
        };
        Console.WriteLine($"seeds {seeds[0]}–{seeds[^1]}, block {Seeds.Block}, batch {batch}, width {hidden}, " +
                          $"threads {torch.get_num_threads()}, MKL_ENABLE_INSTRUCTIONS=" +
                          $"{Environment.GetEnvironmentVariable("MKL_ENABLE_INSTRUCTIONS") ?? "-"}");
        var table = MatchedRing.Run(objectives, options, rows =>
        {
            var t = new MatchedRingTable(rows, options);
            Console.Write(t.ToMarkdown());
            Console.WriteLine($"  {rows[0].Name}: {rows[0].RunWallTime.TotalSeconds:0.0} s, " +
                              $"{rows[0].RunWallTime.TotalMilliseconds / steps:0.00} ms/step");
        });
        Console.WriteLine();
        Console.Write(table.ToMarkdown());
        if (json is not null)
            File.WriteAllText(json, JsonSerializer.Serialize(table.Rows.Select(r => new
            {
                objective = r.Objective.ToString(), r.Step, modes = r.Summary.Modes.Mean,
                perSeed = r.Summary.ModesPerSeed, near = r.Summary.HighQuality.Mean,
                nearPerSeed = r.Summary.Reports.Select(x => x.HighQualityFraction).ToArray(),
                rkl = r.Summary.ReverseKl.Mean, outcomes = r.Outcomes.Select(o => o.ToString()).ToArray(),
                seconds = r.Seconds, block = Seeds.Block,
            }), new JsonSerializerOptions { WriteIndented = true }));
        return 0;
    }
}
