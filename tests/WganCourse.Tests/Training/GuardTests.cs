using TorchSharp;
using WganCourse.Data;
using WganCourse.Models;
using WganCourse.Objectives;
using WganCourse.Runtime;
using WganCourse.Training;
using Xunit;
using static TorchSharp.torch;

namespace WganCourse.Tests.Training;

/// <summary>
/// Guards of the training path: non-finite data stops training with a report at the right step, and bad inputs reach
/// the user as ArgumentExceptions that say what was expected. Mismatched devices are simulated with libtorch's "meta"
/// device (tensors with a shape and no data), since CI has no GPU; without the checks, a meta input to CPU weights
/// passes silently and a CUDA input fails deep inside libtorch.
/// </summary>
public class GuardTests
{
    public GuardTests() => Course.Setup();

    static readonly Device Meta = torch.device("meta");
    static string Msg(Action a) => Assert.Throws<ArgumentException>(a).Message;

    sealed class Poisoned(IBatchSource inner, int cleanBatches, float value) : IBatchSource
    {
        int served;
        public (Tensor X, Tensor? Y) Next(int n)
        {
            var (x, y) = inner.Next(n);
            if (++served > cleanBatches)
            {
                x = x.clone();
                x.view(-1)[7] = tensor(value); // one bad pixel / coordinate in the batch
            }
            return (x, y);
        }
        public void Reset(int seed) { served = 0; inner.Reset(seed); }
    }

    [Fact]
    public void One_infinite_pixel_in_an_image_batch_stops_WGAN_training_at_its_step()
    {
        // n_critic = 5: batches 1–5 belong to generator step 1, 6–10 to step 2, ...; batch 12 is in step 3
        using var set = new ImageSet("synthetic", rand(new long[] { 64, 1, 28, 28 }) * 2 - 1, zeros(64, dtype: int64));
        var g = new DcganGenerator(latentDim: 8, ngf: 4, device: CPU);
        var d = new DcganDiscriminator(ndf: 4, device: CPU);
        using var oneThread = Threads.Use(1); // tiny convolutions: a second thread only adds waiting on a shared machine
        var ex = Assert.Throws<TrainingDivergedException>(() => Trainer.Run(new WganClip(), g, d,
            new Poisoned(new ImageBatches(set), cleanBatches: 11, float.PositiveInfinity),
            new TrainOptions { Steps = 3, BatchSize = 8, LogEvery = 3, Device = CPU }));
        Assert.Equal(3, ex.Step);
        Assert.Equal("critic loss", ex.Loss);
        Assert.False(double.IsFinite(ex.Value));
        Assert.Contains("non-finite values in the data", ex.Message);
    }

    [Fact]
    public void A_NaN_coordinate_in_toy_data_stops_WGAN_GP_training_at_its_step()
    {
        Seeds.Set(1);
        var ex = Assert.Throws<TrainingDivergedException>(() => Trainer.Run(new WganGp(), Mlp.Generator(hidden: 16, layers: 1), Mlp.Critic(hidden: 16, layers: 1),
            new Poisoned(new ToyBatches(Toy.Ring8()), cleanBatches: 5, float.NaN),
            new TrainOptions { Steps = 4, BatchSize = 16, LogEvery = 4, Device = CPU }));
        Assert.Equal(2, ex.Step); // batch 6 is the first critic batch of generator step 2
        Assert.True(double.IsNaN(ex.Value));
        Assert.Contains("step 2: the critic loss is NaN", ex.Message);
    }

    [Fact]
    public void Inputs_on_another_device_than_the_weights_are_rejected_by_every_model()
    {
        Seeds.Set(1);
        Assert.Contains("MLP critic expects inputs on cpu (where its weights are), got them on meta",
                        Msg(() => Mlp.Critic().forward(empty(new long[] { 4, 2 }, device: Meta))));
        Assert.Contains("MLP generator expects inputs on cpu", Msg(() => Mlp.Generator().forward(empty(new long[] { 4, 2 }, device: Meta))));
        Assert.Contains("expects images on cpu (where its weights are), got them on meta",
                        Msg(() => new DcganDiscriminator(ndf: 4, device: CPU).forward(empty(new long[] { 4, 1, 28, 28 }, device: Meta))));
        Assert.Contains("expects z on cpu", Msg(() => new DcganGenerator(ngf: 4, device: CPU).forward(empty(new long[] { 4, 100 }, device: Meta))));
        var cg = new ConditionalMlpGenerator(device: CPU);
        Assert.Contains("expects labels on cpu, got them on meta", Msg(() => cg.Generate(randn(2, 100), empty(new long[] { 2 }, dtype: int64, device: Meta))));
        Assert.Contains("must be on the same device", Msg(() => new WganGp().CriticLoss((x, _) => x.sum(dim: 1, keepdim: true), randn(4, 2), empty(new long[] { 4, 2 }, device: Meta), null)));
    }

    [Fact]
    public void Wrong_feature_counts_and_labels_reach_the_user_through_the_trainer_with_the_expected_shape()
    {
        Seeds.Set(1);
        // a 3-D toy distribution fed to critics built for 2-D data
        var threeD = new GaussianMixture("3-D blob", new[] { new[] { 0.0, 0.0, 0.0 } }, new[] { 1.0 });
        var e1 = Msg(() => Trainer.Run(new GanNonSaturating(), Mlp.Generator(), Mlp.Critic(), new ToyBatches(threeD),
                                       new TrainOptions { Steps = 1, BatchSize = 8, Device = CPU }));
        Assert.Contains("MLP critic expects [batch, 2] inputs, got [8, 3]", e1);

        // digit labels 0..9 expected by the conditional G; a data set labelled 0..10 fails at the first batch with label 10
        var labels = arange(16, dtype: int64).remainder(11);
        using var set = new ImageSet("eleven classes", rand(new long[] { 16, 1, 28, 28 }) * 2 - 1, labels);
        var e2 = Msg(() => Trainer.Run(new GanNonSaturating(), new ConditionalMlpGenerator(device: CPU), new ConditionalMlpDiscriminator(device: CPU),
                                       new ImageBatches(set), new TrainOptions { Steps = 2, BatchSize = 16, Device = CPU }));
        Assert.Contains("expects labels in 0..9, got values in [0, 10]", e2);
    }

    [Fact]
    public void WGAN_generator_losses_want_one_floating_point_score_per_sample()
    {
        foreach (var o in new Objective[] { new WganClip(), new WganGp(), new WganSn() })
        {
            Assert.Contains("shape [batch, 1] or [batch] (one per sample), got [4, 2]", Msg(() => o.GeneratorLoss(randn(4, 2))));
            Assert.Contains("got [0]", Msg(() => o.GeneratorLoss(empty(0))));
            Assert.Contains("floating-point critic scores, got Int64", Msg(() => o.GeneratorLoss(ones(4, 1, dtype: int64))));
            Assert.Equal(-2f, o.GeneratorLoss(full(new long[] { 3 }, 2f)).item<float>());
        }
    }
}
