using TorchSharp;
using WganCourse.Data;
using WganCourse.Models;
using WganCourse.Objectives;
using WganCourse.Runtime;
using WganCourse.Training;
using Xunit;
using static TorchSharp.torch;

namespace WganCourse.Tests.Runtime;

/// <summary>The stop button without a kernel: a token given to <see cref="Stop.Use"/> is what the kernel's token is in
/// a notebook (the real-kernel test is in Notebooks/InterruptTests).</summary>
public class StopTests
{
    public StopTests() => Course.Setup();

    static readonly GaussianMixture Target = GaussianMixture.OneD("N(3, 0.5)", (1.0, 3.0, 0.5));

    static (MlpGenerator G, MlpCritic D) Models(int seed) =>
        (Mlp.Generator(latentDim: 1, outDim: 1, hidden: 16, layers: 2, seed: seed), Mlp.Critic(inDim: 1, hidden: 16, layers: 2, seed: seed + 100));

    static TrainOptions Options(int steps, Action<int>? afterStep = null) =>
        new() { Steps = steps, BatchSize = 32, LogEvery = 5, Seed = 3, Device = CPU, AfterStep = afterStep };

    static float[] Flat(nn.Module m) => m.parameters().SelectMany(p => p.detach().cpu().data<float>().ToArray()).ToArray();

    [Fact]
    public void Outside_a_kernel_and_without_a_token_nothing_is_requested()
    {
        Assert.False(Stop.IsRequested);
        Assert.Equal(CancellationToken.None, Stop.Token);
        Stop.ThrowIfRequested("x", 0, 1); // no throw
    }

    [Fact]
    public void A_stopped_run_leaves_G_and_D_exactly_at_the_last_completed_step_and_says_where_it_stopped()
    {
        // reference: the same seed trained for exactly 7 steps
        var (g7, d7) = Models(1);
        Trainer.Run(new GanNonSaturating(), g7, d7, new ToyBatches(Target), Options(7));

        var (g, d) = Models(1);
        var seen = new List<TrainProgress>();
        using var cts = new CancellationTokenSource();
        StoppedException e;
        using (Stop.Use(cts.Token))
            e = Assert.Throws<StoppedException>(() => Trainer.Run(new GanNonSaturating(), g, d, new ToyBatches(Target),
                Options(20, done => { if (done == 7) cts.Cancel(); }), seen.Add));
        Assert.Equal(7, e.Step);
        Assert.Equal(20, e.Total);
        Assert.Contains("stopped at step 7 of 20", e.Message);
        Assert.IsAssignableFrom<OperationCanceledException>(e);
        Assert.Equal(Flat(g7), Flat(g)); // bit-identical: no half step after the stop
        Assert.Equal(Flat(d7), Flat(d));
        var partial = Assert.IsType<TrainResult>(e.Partial);
        Assert.Equal(new[] { 5, 7 }, partial.History.Step); // the partial window is recorded
        Assert.True(seen[^1].Stopped);
        Assert.Equal(7, seen[^1].Step);
        Assert.All(seen.Take(seen.Count - 1), p => Assert.False(p.Stopped));
    }

    [Fact]
    public void After_a_stop_the_next_run_works_and_the_token_is_scoped()
    {
        var (g, d) = Models(2);
        using (var cts = new CancellationTokenSource())
        using (Stop.Use(cts.Token))
        {
            cts.Cancel();
            var e = Assert.Throws<StoppedException>(() => Trainer.Run(new GanNonSaturating(), g, d, new ToyBatches(Target), Options(10)));
            Assert.Equal(0, e.Step);
        }
        Assert.False(Stop.IsRequested);
        var r = Trainer.Run(new GanNonSaturating(), g, d, new ToyBatches(Target), Options(10));
        Assert.Equal(10, r.Steps);
    }

    [Fact]
    public void Critic_only_training_and_the_probes_stop_too()
    {
        var (g, d) = Models(4);
        using var cts = new CancellationTokenSource();
        using var critic = new CriticOnly(new WganClip(), g, d, new ToyBatches(Target), batchSize: 16, device: CPU, seed: 1);
        critic.Train(3);
        cts.Cancel();
        using (Stop.Use(cts.Token))
        {
            var e = Assert.Throws<StoppedException>(() => critic.Train(5));
            Assert.Equal(3, e.Step);
            Assert.Equal(3, critic.Iterations);
            Assert.Throws<StoppedException>(() => Probes.GeneratorGradientNorms(g, d, GanLosses.GeneratorNonSaturating, batches: 3));
            Assert.Throws<StoppedException>(() => ClippingProbes.DeepCriticGradients(new WganClip(), steps: 50, depth: 3, width: 8));
        }
        Assert.Equal(5.0, critic.Train(2) is var v && double.IsFinite(v) ? 5.0 : 0); // works again after the stop
    }
}
