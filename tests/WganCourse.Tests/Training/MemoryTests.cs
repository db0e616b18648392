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
/// unit test but still catches a leak: a clean run stays within 5 %, a run that keeps one 1 MiB tensor per step fails.
/// </summary>
public class MemoryTests
{
    public MemoryTests() => Course.Setup();

    const int Warmup = 100, Steps = 600;
    const int LeakRows = 512, LeakCols = 512; // 1 MiB of float32 per critic step (600 MiB in all: far above what the allocator can hide)

    /// <summary>The non-saturating GAN, but every critic step keeps a [256, 256] tensor alive (as a careless probe that
    /// stores activations in a list would).</summary>
    sealed class Leaky : Objective
    {
        readonly GanNonSaturating gan = new();
        public readonly List<Tensor> Kept = new();
        public override string Name => "leaky GAN";
        public override Tensor CriticLoss(Func<Tensor, Tensor?, Tensor> critic, Tensor real, Tensor fake, Tensor? labels)
        {
            Kept.Add(fake.detach().sum().expand(LeakRows, LeakCols).clone().DetachFromDisposeScope());
            return gan.CriticLoss(critic, real, fake, labels);
        }
        public override Tensor GeneratorLoss(Tensor s) => gan.GeneratorLoss(s);
        public override OptimizerSpec CriticOptimizer => gan.CriticOptimizer;
        public override OptimizerSpec GeneratorOptimizer => gan.GeneratorOptimizer;
    }

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
        Assert.Equal(Warmup, m.Trace[0].Step);
        Assert.Equal(Warmup + Steps, m.Trace[^1].Step);
        Assert.True(m.StartBytes > 50L << 20, $"a TorchSharp process holds more than 50 MiB, measured {m.StartBytes >> 20} MiB");
        Assert.True(m.WithinLimit(), m.ToString());
    }

    [Fact]
    public void A_run_that_keeps_a_tensor_per_step_fails_the_check()
    {
        var leaky = new Leaky();
        try
        {
            FreeHeapLikeAnEarlierTest();
            var m = Measure(leaky);
            long leaked = (long)Steps * LeakRows * LeakCols * sizeof(float);
            Assert.False(m.WithinLimit(), $"the leak of {leaked >> 20} MiB went unnoticed: {m}");
            // How much of the leak shows is not asserted: in this long test process the allocator refills holes
            // it cannot return and other parts release memory meanwhile (CI saw 51 of 150 MiB, +10.6 %); the bench
            // measures in a fresh process. What must hold is the verdict above, and no growth beyond what was kept.
            Assert.True(m.EndBytes - m.StartBytes <= leaked + m.StartBytes / 10, $"more growth than the {leaked >> 20} MiB kept: {m}");
        }
        finally
        {
            foreach (var t in leaky.Kept) t.Dispose();
        }
    }

    /// <summary>
    /// In a long test run earlier tests leave freed native memory that the allocator keeps resident; a leak that reuses it
    /// does not grow the working set unless the check returns it to the system first (CI caught exactly this).
    /// </summary>
    static void FreeHeapLikeAnEarlierTest()
    {
        var blocks = new List<Tensor>();
        for (int i = 0; i < 2 * Steps; i++) blocks.Add(zeros(LeakRows, LeakCols).DetachFromDisposeScope());
        for (int i = 0; i < blocks.Count; i += 2) blocks[i].Dispose();      // fragment: every other block freed first
        for (int i = 1; i < blocks.Count; i += 2) blocks[i].Dispose();
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
