using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Spectre.Console;
using TorchSharp;
using WganCourse.Data;
using WganCourse.Runner.Execution;
using WganCourse.Runtime;
using WganCourse.Training;
using WganCourse.Hosting;

namespace WganCourse.Runner.Verbs;

/// <summary>
/// `bench`: times one training step of each model of the course's performance table through the real Trainer, puts
/// the DCGAN steps against the machine's float32 matmul limit and the toy steps against their per-call overhead floor,
/// checks the working set over long runs, optionally runs the same steps in PyTorch (tests/bench/bench_torch.py) and
/// joins both into one table. Writes artifacts/bench/bench.json (and --json FILE).
/// </summary>
static class Bench
{
    const string UsageText =
        "usage: bench [--threads N] [--steps N] [--json FILE] [--only TEXT] [--memory-steps TOY,DCGAN | --no-memory]\n" +
        "             [--torch | --torch-json FILE] [--python PATH] [--seed-batch K | --no-seed-batch]\n" +
        "  --threads N         libtorch threads (default: libtorch's default, or WGAN_COURSE_THREADS)\n" +
        "  --steps N           timed steps per row after warm-up (default: 300 GAN, 200 WGAN rows, 30/20 DCGAN rows)\n" +
        "  --only TEXT         only the rows whose name contains TEXT (e.g. DCGAN)\n" +
        "  --memory-steps T,D  working-set check over T toy and D DCGAN steps (default 10000,1000)\n" +
        "  --torch             also run tests/bench/bench_torch.py (Debian's python3-torch) with the same threads and join it\n" +
        "  --torch-json FILE   join a result that bench_torch.py wrote earlier instead of running it\n" +
        "  --seed-batch K      also time K toy seeds trained together (SeedBatchTrainer) against K single runs (default K = 5)\n" +
        "  --no-seed-batch     skip that comparison";

    public static int Run(string[] args)
    {
        int? threads = null, steps = null;
        string? json = null, only = null, torchJson = null, python = Tools.PythonWith("torch") ?? "python3";
        bool runTorch = false, memory = true;
        int seedBatch = 5;
        int memToy = 10_000, memDcgan = 1_000;
        try
        {
            for (int i = 0; i < args.Length; i++)
            {
                string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
                switch (args[i])
                {
                    case "--threads": threads = PositiveInt(Next(), "--threads"); break;
                    case "--steps": steps = PositiveInt(Next(), "--steps"); break;
                    case "--json": json = Next(); break;
                    case "--only": only = Next(); break;
                    case "--torch": runTorch = true; break;
                    case "--torch-json": torchJson = Next(); break;
                    case "--python": python = Next(); break;
                    case "--no-memory": memory = false; break;
                    case "--seed-batch": seedBatch = PositiveInt(Next(), "--seed-batch"); break;
                    case "--no-seed-batch": seedBatch = 0; break;
                    case "--memory-steps":
                        var parts = Next().Split(',');
                        if (parts.Length != 2) throw new ArgumentException("--memory-steps takes TOY,DCGAN, e.g. 10000,1000");
                        (memToy, memDcgan) = (PositiveInt(parts[0], "--memory-steps"), PositiveInt(parts[1], "--memory-steps"));
                        break;
                    default: throw new ArgumentException($"unknown argument {args[i]}");
                }
            }
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine(e.Message);
            Console.Error.WriteLine(UsageText);
            return 2;
        }

        Console.WriteLine(Course.Setup());
        if (threads is int n) torch.set_num_threads(n);
        int usedThreads = torch.get_num_threads();
        var device = Devices.Current;
        using var digits = Digits.Load();
        var cases = Benchmark.StandardCases(digits).Where(c => only is null || c.Name.Contains(only, StringComparison.OrdinalIgnoreCase)).ToList();
        bool seedRows = seedBatch > 0 && (only is null || "seed batch".Contains(only, StringComparison.OrdinalIgnoreCase));
        if (cases.Count == 0 && !seedRows) { Console.Error.WriteLine($"no row matches --only {only}"); return 2; }

        var machine = Machine(usedThreads, device);
        Console.WriteLine($"{machine["cpu"]} · {machine["cores"]} cores · {usedThreads} libtorch threads · 1-min load {Load1():F2}");

        var (matmulBefore, matmulCpuBefore) = Benchmark.MatmulLimit();
        var trivialUs = Benchmark.TrivialCallMicroseconds();
        Console.WriteLine($"float32 matmul 2048×2048: {matmulBefore:F1} GFLOP/s ({matmulCpuBefore:F1} per CPU-second) · trivial libtorch call from C#: {trivialUs:F2} µs");

        var rows = new List<JsonObject>();
        foreach (var c in cases)
        {
            double loadStart = Load1();
            int n1 = steps ?? c.DefaultSteps;
            var t = Benchmark.TimeSteps(c, n1, c.DefaultWarmup, device);
            var flops = Benchmark.StepFlops(c, device);
            StepTiming? floor = c.OverheadTwin is null ? null : Benchmark.TimeSteps(c, n1, c.DefaultWarmup, device, overheadTwin: true);
            double loadEnd = Load1();
            var row = new JsonObject
            {
                ["name"] = c.Name, ["models"] = c.Description, ["batch"] = c.BatchSize, ["n_critic"] = c.CriticIterations,
                ["steps"] = t.Steps, ["warmup"] = t.Warmup,
                ["median_ms"] = Round(t.MedianMs), ["p10_ms"] = Round(t.P10Ms), ["p90_ms"] = Round(t.P90Ms), ["mean_ms"] = Round(t.MeanMs),
                ["cpu_median_ms"] = Round(t.CpuMedianMs),
                ["tensors_per_step"] = Math.Round(t.TensorsPerStep, 1),
                ["gflop_per_step"] = flops is double f ? Round(f / 1e9, 5) : null,
                ["gflops"] = flops is double f2 ? Round(f2 / 1e9 / (t.MedianMs / 1e3)) : null,
                ["gflops_per_cpu_second"] = flops is double f3 ? Round(f3 / 1e9 / (t.CpuMedianMs / 1e3)) : null,
                ["floor_ms"] = floor is null ? null : Round(floor.MedianMs),
                ["floor_over_step"] = floor is null ? null : Round(floor.MedianMs / t.MedianMs),
                ["load1_start"] = Round(loadStart), ["load1_end"] = Round(loadEnd),
            };
            rows.Add(row);
            Console.WriteLine($"  {c.Name}: {t.MedianMs:F2} ms/step (p10 {t.P10Ms:F2}, p90 {t.P90Ms:F2}; CPU {t.CpuMedianMs:F2} ms; {t.TensorsPerStep:F0} tensors/step)" +
                              (floor is null ? "" : $", overhead floor {floor.MedianMs:F2} ms") + $" · load {loadStart:F2}→{loadEnd:F2}");
        }
        var (matmulAfter, matmulCpuAfter) = Benchmark.MatmulLimit();
        double matmul = Math.Max(matmulBefore, matmulAfter), matmulCpu = Math.Max(matmulCpuBefore, matmulCpuAfter);
        foreach (var row in rows)
        {
            if (row["gflops"] is JsonNode g) row["fraction_of_matmul"] = Round(g.GetValue<double>() / matmul);
            if (row["gflops_per_cpu_second"] is JsonNode gc) row["fraction_of_matmul_cpu"] = Round(gc.GetValue<double>() / matmulCpu);
        }

        var seedBatchRows = new List<JsonObject>();
        if (seedRows)
            foreach (var (name, make) in SeedBatchObjectives)
            {
                double loadStart = Load1();
                var (one, batch) = SeedBatchTiming(make, seedBatch, steps ?? 100, device);
                double speedup = seedBatch * one.CpuMs / batch.CpuMs, speedupWall = seedBatch * one.WallMs / batch.WallMs;
                double loadEnd = Load1();
                Console.WriteLine($"  seed batch, {name}: 1 seed {one.WallMs:F2} ms/step ({one.CpuMs:F2} CPU), {seedBatch} seeds together {batch.WallMs:F2} ms/step " +
                                  $"({batch.CpuMs:F2} CPU): speed-up over {seedBatch} single runs ×{speedupWall:F2} wall, ×{speedup:F2} CPU · load {loadStart:F2}→{loadEnd:F2}");
                seedBatchRows.Add(new JsonObject
                {
                    ["name"] = $"seed batch, {name}", ["copies"] = seedBatch, ["models"] = "MLP 2→128×3→2 and 2→128×3→1, batch 256 per copy",
                    ["single_ms"] = Round(one.WallMs), ["single_cpu_ms"] = Round(one.CpuMs),
                    ["batch_ms"] = Round(batch.WallMs), ["batch_cpu_ms"] = Round(batch.CpuMs),
                    ["speedup_wall"] = Round(speedupWall), ["speedup_cpu"] = Round(speedup),
                    ["load1_start"] = Round(loadStart), ["load1_end"] = Round(loadEnd),
                });
            }

        var memoryRows = new List<JsonObject>();
        if (memory)
        {
            foreach (var c in cases.Where(c => c.Name.StartsWith("GAN") || c.Name.Contains("64")))
            {
                int count = c.IsToy ? memToy : memDcgan;
                double loadStart = Load1();
                var m = Benchmark.MeasureMemory(c, warmup: c.IsToy ? 200 : 20, steps: count, device: device);
                Console.WriteLine($"  memory: {m}" + (m.WithinLimit() ? "" : $"  ← FAILS the {Benchmark.MemoryGrowthLimit:P0} limit"));
                memoryRows.Add(new JsonObject
                {
                    ["name"] = m.Name, ["warmup"] = m.Warmup, ["steps"] = m.Steps, ["start_mib"] = Round(m.StartBytes / 1048576.0, 1),
                    ["end_mib"] = Round(m.EndBytes / 1048576.0, 1), ["growth"] = Round(m.Growth, 4), ["within_limit"] = m.WithinLimit(),
                    ["trace_mib"] = new JsonArray(m.Trace.Select(p => (JsonNode)new JsonArray(p.Step, Round(p.Bytes / 1048576.0, 1))).ToArray()),
                    ["load1_start"] = Round(loadStart), ["load1_end"] = Round(Load1()),
                });
            }
        }

        JsonNode? torchResult = null;
        if (runTorch) torchResult = RunTorch(python!, usedThreads, steps, only);
        else if (torchJson is not null) torchResult = JsonNode.Parse(File.ReadAllText(torchJson));
        if (torchResult?["rows"] is JsonArray torchRows)
            foreach (var row in rows)
            {
                var match = torchRows.FirstOrDefault(r => r?["name"]?.GetValue<string>() == row["name"]!.GetValue<string>());
                if (match?["median_ms"] is JsonNode tm)
                {
                    row["torch_median_ms"] = Round(tm.GetValue<double>());
                    row["torch_over_torchsharp"] = Round(tm.GetValue<double>() / row["median_ms"]!.GetValue<double>());
                }
                if (match?["cpu_median_ms"] is JsonNode tc)
                {
                    row["torch_cpu_median_ms"] = Round(tc.GetValue<double>());
                    row["torch_over_torchsharp_cpu"] = Round(tc.GetValue<double>() / row["cpu_median_ms"]!.GetValue<double>());
                }
            }

        var result = new JsonObject
        {
            ["machine"] = machine, ["matmul_gflops"] = Round(matmul), ["matmul_gflops_before_after"] = new JsonArray(Round(matmulBefore), Round(matmulAfter)),
            ["matmul_gflops_per_cpu_second"] = Round(matmulCpu),
            ["trivial_call_us"] = Round(trivialUs), ["rows"] = new JsonArray(rows.ToArray<JsonNode>()),
            ["memory"] = new JsonArray(memoryRows.ToArray<JsonNode>()),
            ["seed_batch"] = new JsonArray(seedBatchRows.ToArray<JsonNode>()), ["memory_growth_limit"] = Benchmark.MemoryGrowthLimit,
            ["torch"] = torchResult?.DeepClone(),
            ["command"] = "dotnet run -c Release --project lib/WganCourse.Runner -- bench " + string.Join(' ', args),
        };
        Print(rows, matmul, matmulCpu, usedThreads, torchResult);

        var text = result.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
        var artifact = Path.Combine(Repo.Artifacts, "bench", "bench.json");
        Directory.CreateDirectory(Path.GetDirectoryName(artifact)!);
        File.WriteAllText(artifact, text);
        Console.WriteLine($"wrote {artifact}");
        if (json is not null)
        {
            var dir = Path.GetDirectoryName(Path.GetFullPath(json));
            if (dir is not null) Directory.CreateDirectory(dir);
            File.WriteAllText(json, text);
            Console.WriteLine($"wrote {json}");
        }
        return memoryRows.All(m => m["within_limit"]!.GetValue<bool>()) ? 0 : 1;
    }

    static void Print(List<JsonObject> rows, double matmul, double matmulCpu, int threads, JsonNode? torchResult)
    {
        var table = new Table().Title($"ms per training step (one generator step with its critic steps), median; {threads} libtorch thread(s)");
        table.AddColumns("model", "batch", "n_critic", "ms/step", "p10–p90", "CPU ms", "GFLOP/step", "GFLOP/s", "of matmul", "of matmul (CPU)", "floor ms", "floor/step", "load");
        bool torch = torchResult is not null;
        if (torch) table.AddColumns("PyTorch 1.13 ms", "PyTorch/ours", "PyTorch/ours (CPU)");
        string F(JsonNode? v, string fmt) => v is null ? "—" : v.GetValue<double>().ToString(fmt);
        foreach (var r in rows)
        {
            var cells = new List<string>
            {
                Markup.Escape(r["name"]!.GetValue<string>()), r["batch"]!.ToString(), r["n_critic"]!.ToString(), F(r["median_ms"], "0.00"),
                $"{F(r["p10_ms"], "0.00")}–{F(r["p90_ms"], "0.00")}", F(r["cpu_median_ms"], "0.00"), F(r["gflop_per_step"], "0.000"), F(r["gflops"], "0.0"),
                r["fraction_of_matmul"] is JsonNode fr ? fr.GetValue<double>().ToString("P0") : "—",
                r["fraction_of_matmul_cpu"] is JsonNode fc ? fc.GetValue<double>().ToString("P0") : "—", F(r["floor_ms"], "0.00"),
                r["floor_over_step"] is JsonNode fo ? fo.GetValue<double>().ToString("P0") : "—", $"{F(r["load1_start"], "0.0")}→{F(r["load1_end"], "0.0")}",
            };
            if (torch) cells.AddRange(new[] { F(r["torch_median_ms"], "0.0"), r["torch_over_torchsharp"] is JsonNode q ? $"{q.GetValue<double>():0.0}×" : "—",
                                              r["torch_over_torchsharp_cpu"] is JsonNode qc ? $"{qc.GetValue<double>():0.0}×" : "—" });
            table.AddRow(cells.ToArray());
        }
        AnsiConsole.Write(table);
        Console.WriteLine($"matmul limit: {matmul:F1} GFLOP/s, {matmulCpu:F1} GFLOP per CPU-second (float32 2048×2048, best of 12, same threads); floor = the same step with every width 1 " +
                          "(same libtorch calls, next to no arithmetic). GFLOP/step counts Linear/Conv MACs ×2 forward, ×2 more backward (Flops.TrainingStepFlops). " +
                          "CPU ms = process CPU time per step, all threads (on a shared machine the wall time also holds the waits for a core).");
        if (torch)
            Console.WriteLine($"PyTorch: {torchResult!["torch_version"]} with {torchResult["blas"]}, {torchResult["threads"]} thread(s) — a floor for comparison, not the goal.");
    }

    static readonly (string Name, Func<Objectives.Objective> Make)[] SeedBatchObjectives =
    {
        ("GAN (non-sat.)", () => new Objectives.GanNonSaturating()), ("WGAN-GP", () => new Objectives.WganGp()),
    };

    /// <summary>Wall and process-CPU milliseconds per generator step: one seed alone (through the same batched code with
    /// K = 1, which matches Trainer.Run's step) and K seeds together, after 10 warm-up steps each.</summary>
    static ((double WallMs, double CpuMs) One, (double WallMs, double CpuMs) Batch) SeedBatchTiming(
        Func<Objectives.Objective> make, int copies, int steps, torch.Device device)
    {
        (double, double) Time(int k)
        {
            var seeds = Enumerable.Range(1, k).ToArray();
            var options = new SeedBatchOptions { Steps = 10, Device = device };
            SeedBatchTrainer.Toy(make(), Toy.Ring8(), seeds, options);                    // warm-up
            var process = Process.GetCurrentProcess();
            var cpu0 = process.TotalProcessorTime;
            var wall = Stopwatch.StartNew();
            SeedBatchTrainer.Toy(make(), Toy.Ring8(), seeds, options with { Steps = steps });
            wall.Stop();
            process.Refresh();
            return (wall.Elapsed.TotalMilliseconds / steps, (process.TotalProcessorTime - cpu0).TotalMilliseconds / steps);
        }
        return (Time(1), Time(copies));
    }

    static JsonNode? RunTorch(string python, int threads, int? steps, string? only)
    {
        var script = Path.Combine(Repo.Root, "tests", "bench", "bench_torch.py");
        var outFile = Path.Combine(Repo.Artifacts, "bench", "bench_torch.json");
        Directory.CreateDirectory(Path.GetDirectoryName(outFile)!);
        var psi = new ProcessStartInfo(python) { UseShellExecute = false };
        foreach (var a in new[] { script, "--threads", threads.ToString(), "--json", outFile }) psi.ArgumentList.Add(a);
        if (steps is int s) { psi.ArgumentList.Add("--steps"); psi.ArgumentList.Add(s.ToString()); }
        if (only is not null) { psi.ArgumentList.Add("--only"); psi.ArgumentList.Add(only); }
        psi.Environment["WGAN_COURSE_DATA"] = Path.Combine(Repo.Root, "data");
        Console.WriteLine($"running {python} {string.Join(' ', psi.ArgumentList)}");
        try
        {
            using var p = Process.Start(psi)!;
            p.WaitForExit();
            if (p.ExitCode != 0) { Console.Error.WriteLine($"bench_torch.py exited with {p.ExitCode}; the PyTorch column is left out"); return null; }
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            Console.Error.WriteLine($"could not run {python} ({e.Message}); the PyTorch column is left out");
            return null;
        }
        return JsonNode.Parse(File.ReadAllText(outFile));
    }

    static JsonObject Machine(int threads, torch.Device device)
    {
        string cpu = "unknown";
        try
        {
            cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name"))?.Split(':', 2)[1].Trim() ?? cpu;
        }
        catch (IOException) { }
        return new JsonObject
        {
            ["cpu"] = cpu, ["cores"] = Environment.ProcessorCount, ["threads"] = threads,
            ["device"] = device.type.ToString().ToLowerInvariant(),
            ["libtorch"] = NativeSetup.LibTorchVersion,
            ["torchsharp"] = typeof(torch).Assembly.GetName().Version?.ToString(3),
            ["dotnet"] = Environment.Version.ToString(), ["os"] = System.Runtime.InteropServices.RuntimeInformation.OSDescription,
            ["date_utc"] = DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm"),
        };
    }

    /// <summary>The 1-minute load average (the machine is shared: numbers taken under load are slower).</summary>
    static double Load1()
    {
        try { return double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture); }
        catch (Exception e) when (e is IOException or FormatException or UnauthorizedAccessException) { return double.NaN; }
    }

    static int PositiveInt(string s, string option) =>
        int.TryParse(s, out var v) && v >= 1 ? v : throw new ArgumentException($"{option} takes a positive integer, got '{s}'");

    static double Round(double v, int digits = 3) => Math.Round(v, digits);
}
