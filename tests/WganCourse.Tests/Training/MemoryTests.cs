using TorchSharp;
using WganCourse.Data;
using WganCourse.Models;
using WganCourse.Objectives;
using WganCourse.Runtime;
using WganCourse.Training;
using Xunit;
using static TorchSharp.torch;
using WganCourse.Hosting;

namespace WganCourse.Tests.Training;

/// <summary>
/// The working-set check of the bench verb (which runs it over 10,000 toy and 1,000 DCGAN steps), at a size that fits a
/// unit test but still catches a leak: a clean run stays within 5 %, a run that keeps one 1 MiB tensor per step fails
/// (that one in a fresh process, as the bench measures).
/// </summary>
public class MemoryTests
{
    public MemoryTests() => Course.Setup();

    const int Warmup = 100, Steps = 600;

    static MemoryReport Measure(Objective objective)
    {
        Seeds.Set(3);
        using var g = Mlp.Generator(hidden: 64, layers: 2);
        using var d = Mlp.Critic(hidden: 64, layers: 2);
        using (Threads.Use(1))
            return Benchmark.MeasureMemory(objective.Name, objective, g, d, new ToyBatches(Toy.Ring8()), 128, Warmup, Steps, samples: 4, device: CPU);
    }

    [Fact]
    public void A_clean_toy_run_keeps_its_working_set_within_5_percent()
    {
        var m = Measure(new GanNonSaturating());
        Assert.Equal(Steps, m.Steps);
        Assert.True(m.Warmup >= Warmup, $"warm-up {m.Warmup} < {Warmup}");
        Assert.Equal(m.Warmup + 1, m.Trace[0].Step);
        Assert.Equal(m.Warmup + 1 + Steps, m.Trace[^1].Step);
        Assert.True(m.StartBytes > 50L << 20, $"a TorchSharp process holds more than 50 MiB, measured {m.StartBytes >> 20} MiB");
        Assert.True(m.WithinLimit(), m.ToString());
    }

    /// <summary>
    /// The leak is measured in a fresh runner process (`memcheck`): in this long test process, memory that earlier
    /// tests freed is returned to the system *during* the measurement and can hide a leak of hundreds of MiB (CI under
    /// load: 1538 → 1211 MiB while 600 MiB leaked). The bench, whose check this is, also measures in a fresh process.
    /// </summary>
    [Fact]
    public void A_run_that_keeps_a_tensor_per_step_fails_the_check()
    {
        var (clean, cleanLine) = MemCheck(leakMib: 0);
        var (leaky, leakyLine) = MemCheck(leakMib: 1);
        Assert.True(clean.Within, $"the clean run failed the check in a fresh process: {cleanLine}");
        Assert.False(leaky.Within, $"a leak of {Steps} MiB went unnoticed: {leakyLine}");
        // most of the kept tensors show up (the allocator may reuse some warm-up memory, not hundreds of MiB)
        Assert.True(leaky.EndMib - leaky.StartMib > Steps / 2,
                    $"only {leaky.EndMib - leaky.StartMib:F0} of {Steps} MiB kept showed: {leakyLine}");
    }

    static ((bool Within, double StartMib, double EndMib), string Line) MemCheck(int leakMib)
    {
        var r = Notebooks.RunnerProcess.RunWith(null, TimeSpan.FromMinutes(10), "memcheck", "--leak-mib", $"{leakMib}",
                                                "--warmup", $"{Warmup}", "--steps", $"{Steps}");
        Assert.True(r.ExitCode == 0, r.Output);
        var line = r.Output.Split('\n').Single(l => l.StartsWith("memcheck: "));
        string Field(string name) => line.Split(' ').Single(w => w.StartsWith(name + "="))[(name.Length + 1)..];
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        return ((bool.Parse(Field("within_limit")), double.Parse(Field("start_mib"), inv),
                 double.Parse(Field("end_mib"), inv)), line);
    }

    [Fact]
    public void The_growth_and_limit_arithmetic()
    {
        var r = new MemoryReport("x", 1, 10, 1000, 1050, new[] { (1, 1000L), (11, 1050L) });
        Assert.Equal(0.05, r.Growth, 12);
        Assert.True(r.WithinLimit());
        Assert.False((r with { EndBytes = 1051 }).WithinLimit());
        Assert.True((r with { EndBytes = 900 }).WithinLimit());
        Assert.Contains("+5.0%", r.ToString());
    }
}
