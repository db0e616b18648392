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
    public void The_toy_MLPs_train_to_the_same_bits_on_one_and_on_two_threads()
    {
        // why ForToyModels may be used in the toy notebooks without changing their numbers: at the toy sizes (128 units,
        // batch 256) libtorch's results do not depend on the thread count (unlike the DCGAN's convolutions)
        (List<double> Losses, float[] Weights) Train(int threads, Objective objective)
        {
            using var _ = Threads.Use(threads);
            using var g = Mlp.Generator(seed: 1);
            using var d = Mlp.Critic(seed: 2);
            var r = Trainer.Run(objective, g, d, new ToyBatches(Toy.Ring8()), new TrainOptions { Steps = 8, BatchSize = 256, LogEvery = 4, Device = CPU });
            return (r.History.CriticLoss.Concat(r.History.GeneratorLoss).ToList(), g.parameters().SelectMany(p => p.data<float>().ToArray()).ToArray());
        }
        foreach (var objective in new Objective[] { new GanNonSaturating(), new WganGp() })
        {
            var one = Train(1, objective);
            var two = Train(2, objective);
            Assert.Equal(one.Losses, two.Losses);
            Assert.Equal(one.Weights, two.Weights);
        }
    }
}
