using TorchSharp;
using WganCourse.Models;
using WganCourse.Plots;
using WganCourse.Runtime;
using WganCourse.Training;
using Xunit;

namespace WganCourse.Tests.Plots;

public class LiveTrainingTests
{
    public LiveTrainingTests() => Course.Setup();

    static TrainProgress Progress(GeneratorNet g, CriticNet d) => new(10, 100, 1.3, 0.7, TimeSpan.FromSeconds(1), 10, g, d);

    [Fact]
    public void A_conditional_generator_is_shown_with_labels_one_column_per_digit()
    {
        using var g = new ConditionalMlpGenerator(hidden: new[] { 16 }, device: torch.CPU);
        using var d = new ConditionalMlpDiscriminator(hidden: new[] { 16 }, device: torch.CPU);
        var live = new LiveTraining("cgan", samples: 20);
        live.Report(Progress(g, d)); // without labels the conditional G would throw
        Assert.Equal(1, live.Updates);
    }

    [Fact]
    public void An_image_generator_is_shown_as_a_grid()
    {
        using var g = new MnistMlpGenerator(hidden: new[] { 16 }, device: torch.CPU);
        using var d = new MnistMlpDiscriminator(hidden: new[] { 16 }, device: torch.CPU);
        var live = new LiveTraining("mlp", samples: 20);
        live.Report(Progress(g, d));
        live.Report(Progress(g, d));
        Assert.Equal(2, live.Updates);
    }
}
