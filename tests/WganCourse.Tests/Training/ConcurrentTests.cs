using TorchSharp;
using WganCourse.Data;
using WganCourse.Objectives;
using WganCourse.Runtime;
using WganCourse.Training;
using Xunit;

namespace WganCourse.Tests.Training;

public class ConcurrentTests
{
    public ConcurrentTests() => Course.Setup();

    static readonly int[] Seeds2 = { 1, 2 };

    static (string Name, Func<Objective> Make, IToyDistribution Data)[] Jobs() => new (string, Func<Objective>, IToyDistribution)[] {
        ("GAN ring", () => new GanNonSaturating(), Toy.Ring8()),
        ("WGAN-GP ring", () => new WganGp(generator: Seeds.Generator(5)), Toy.Ring8()),
        ("WGAN grid", () => new WganClip(), Toy.Grid25()),
        ("WGAN-GP grid", () => new WganGp(generator: Seeds.Generator(5)), Toy.Grid25()) };

    static List<float[]> Train(int workers) =>
        Concurrent.Map(Jobs(), j =>
        {
            var r = SeedBatchTrainer.Toy(j.Make(), j.Data, Seeds2, new SeedBatchOptions { Steps = 15, BatchSize = 32 },
                                         hidden: 16);
            return r.Generator.parameters().SelectMany(p => p.data<float>().ToArray()).ToArray();
        }, workers);

    [Fact]
    public void Runs_side_by_side_end_bit_identical_to_runs_one_at_a_time_in_order()
    {
        var one = Train(workers: 1);
        var four = Train(workers: 4);
        Assert.Equal(4, one.Count);
        for (int i = 0; i < one.Count; i++) Assert.Equal(one[i], four[i]);
        Assert.NotEqual(one[0], one[1]); // in order: different jobs, different weights
    }

    [Fact]
    public void The_stop_button_comes_out_as_itself_and_the_thread_count_is_restored()
    {
        int before = torch.get_num_threads();
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        using (Stop.Use(cts.Token))
        {
            var e = Assert.Throws<StoppedException>(() => Train(workers: 2));
            Assert.Contains("stopped at step", e.Message);
        }
        Assert.Equal(before, torch.get_num_threads());
        Assert.Throws<ArgumentOutOfRangeException>(() => Concurrent.Map(new[] { 1 }, x => x, workers: 0));
        Assert.Equal(new[] { 2, 4, 6 }, Concurrent.Map(new[] { 1, 2, 3 }, x => 2 * x, workers: 3));
    }
}
