using TorchSharp;
using WganCourse.Data;
using WganCourse.Models;
using WganCourse.Objectives;
using WganCourse.Runtime;
using WganCourse.Training;
using Xunit;
using static TorchSharp.torch;

namespace WganCourse.Tests.Runtime;

public class ThreadsTests
{
    public ThreadsTests() => Course.Setup();

    [Fact]
    public void Use_sets_the_count_for_its_block_and_restores_the_previous_one()
    {
        int before = Threads.Current;
        using (Threads.Use(1))
        {
            Assert.Equal(1, Threads.Current);
            using (Threads.Use(2)) Assert.Equal(2, Threads.Current);
            Assert.Equal(1, Threads.Current);
        }
        Assert.Equal(before, Threads.Current);
        var scope = Threads.Use(1);
        scope.Dispose();
        using (Threads.Use(2)) scope.Dispose(); // a second Dispose does nothing
        Assert.Equal(before, Threads.Current);
        Assert.Throws<ArgumentOutOfRangeException>(() => Threads.Use(0));
    }

    [Fact]
    public void Toy_models_get_one_thread_unless_the_user_chose_a_count()
    {
        var saved = Environment.GetEnvironmentVariable(Course.ThreadsVariable);
        try
        {
            Environment.SetEnvironmentVariable(Course.ThreadsVariable, null);
            Assert.Equal(1, Threads.ToyModelThreads);
            Environment.SetEnvironmentVariable(Course.ThreadsVariable, "2");
            Assert.Equal(2, Threads.ToyModelThreads);
            using (Threads.ForToyModels()) Assert.Equal(2, Threads.Current);
            Environment.SetEnvironmentVariable(Course.ThreadsVariable, "zero");
            Assert.Equal(1, Threads.ToyModelThreads);
        }
        finally { Environment.SetEnvironmentVariable(Course.ThreadsVariable, saved); }
    }

    [Fact]
    public void The_toy_MLPs_train_to_the_same_bits_twice_on_the_same_thread_count()
    {
        // what libtorch promises and the notebooks rely on (they pin the thread count): same seed, same thread
        // count, same CPU → the same bits. Across thread counts or CPUs it promises nothing, so no test asks it:
        // on an AVX-512 Xeon one and two threads differ in a loss's 8th digit.
        (List<double> Losses, float[] Weights) Train(int threads, Objective objective)
        {
            using var _ = Threads.Use(threads);
            using var g = Mlp.Generator(seed: 1);
            using var d = Mlp.Critic(seed: 2);
            var r = Trainer.Run(objective, g, d, new ToyBatches(Toy.Ring8()),
                new TrainOptions { Steps = 8, BatchSize = 256, LogEvery = 4, Device = CPU });
            return (r.History.CriticLoss.Concat(r.History.GeneratorLoss).ToList(),
                    g.parameters().SelectMany(p => p.data<float>().ToArray()).ToArray());
        }
        foreach (var objective in new Objective[] { new GanNonSaturating(), new WganGp() })
            foreach (int threads in new[] { 1, 2 })
            {
                var first = Train(threads, objective);
                var second = Train(threads, objective);
                Assert.Equal(first.Losses, second.Losses);
                Assert.Equal(first.Weights, second.Weights);
            }
    }
}
