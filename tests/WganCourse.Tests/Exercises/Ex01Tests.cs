using TorchSharp;
using WganCourse.Exercises;
using WganCourse.Runtime;
using Xunit;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;
using static WganCourse.Tests.Exercises.ExerciseAssert;

namespace WganCourse.Tests.Exercises;

public class Ex01Tests
{
    public Ex01Tests() => Course.Setup();

    // ---- 01.d-loss ----

    [Fact]
    public void D_loss_typical_mistakes_get_their_hints()
    {
        Fails(Ex01.DiscriminatorLoss((real, fake) => F.softplus(-real).sum() + F.softplus(fake).sum()), "summed over the batch");
        Fails(Ex01.DiscriminatorLoss((real, fake) => F.softplus(real).mean() + F.softplus(-fake).mean()), "real and fake are swapped");
        Fails(Ex01.DiscriminatorLoss((real, fake) => cat(new[] { F.softplus(-real), F.softplus(fake) }).mean()), "averaged over the real and fake samples together");
        Fails(Ex01.DiscriminatorLoss((real, fake) => -(F.softplus(-real).mean() + F.softplus(fake).mean())), "sign is flipped");
        Fails(Ex01.DiscriminatorLoss((real, fake) => F.softplus(-real).mean()), "fake term");
        // the textbook formula through probabilities is right on moderate logits but gives log 0 at ±120
        Fails(Ex01.DiscriminatorLoss((real, fake) => -sigmoid(real).log().mean() - (1 - sigmoid(fake)).log().mean()), "softplus");
        // a loss per sample instead of one number
        Fails(Ex01.DiscriminatorLoss((real, fake) => F.softplus(-real) + F.softplus(fake).mean()), "forget to reduce");
    }

    // ---- 01.d-star ----

    [Fact]
    public void D_star_typical_mistakes_get_their_hints()
    {
        Fails(Ex01.OptimalDiscriminator((pr, pg) => where(pr + pg == 0, full_like(pr, 0.5), pg / (pr + pg))), "1 − D*");
        Fails(Ex01.OptimalDiscriminator((pr, pg) => pr / pg), "density ratio");
        Fails(Ex01.OptimalDiscriminator((pr, pg) => pr / (pr + pg)), "0/0");
        Fails(Ex01.OptimalDiscriminator((pr, pg) => (pr / (pr + pg)).mean()), "do not reduce");
    }
}
