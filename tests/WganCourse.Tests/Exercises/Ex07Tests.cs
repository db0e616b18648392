using TorchSharp;
using WganCourse.Exercises;
using WganCourse.Objectives;
using WganCourse.Runtime;
using Xunit;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;
using static WganCourse.Tests.Exercises.ExerciseAssert;

namespace WganCourse.Tests.Exercises;

public class Ex07Tests
{
    public Ex07Tests() => Course.Setup();

    // ---- 07.clip ----

    [Fact]
    public void Clip_typical_mistakes_get_their_hints()
    {
        Fails(Ex07.ClipWeights((critic, c) =>
        {
            using var _ = no_grad();
            foreach (var (name, p) in critic.named_parameters()) if (name.EndsWith("weight")) p.clamp_(-c, c);
        }), "biases");
        Fails(Ex07.ClipWeights((critic, c) =>
        {
            using var _ = no_grad();
            foreach (var p in critic.parameters()) p.clamp(-c, c);
        }), "did not change");
        Fails(Ex07.ClipWeights((critic, c) =>
        {
            using var _ = no_grad();
            foreach (var p in critic.parameters()) p.clamp_(0, c);
        }), "[0, c]");
        Fails(Ex07.ClipWeights((critic, c) =>
        {
            using var _ = no_grad();
            foreach (var p in critic.parameters()) p.mul_(c / p.abs().max().item<float>());
        }), "rescaled");
        Fails(Ex07.ClipWeights((critic, c) => { foreach (var p in critic.parameters()) p.clamp_(-c, c); }), "no_grad");
    }

    // ---- 07.critic-loss ----

    [Fact]
    public void Critic_loss_typical_mistakes_get_their_hints()
    {
        Fails(Ex07.CriticLoss((real, fake) => real.mean() - fake.mean()), "sign is flipped");
        Fails(Ex07.CriticLoss((real, fake) => F.softplus(-real).mean() + F.softplus(fake).mean()), "GAN discriminator loss");
        Fails(Ex07.CriticLoss((real, fake) => fake.sum() - real.sum()), "summed");
        Fails(Ex07.CriticLoss((real, fake) => fake - real), "reduce");
    }

    // ---- 07.train ----

    internal static void Clip(nn.Module critic, double c)
    {
        using var _ = no_grad();
        foreach (var p in critic.parameters()) p.clamp_(-c, c);
    }

    internal static Objective Wgan(Func<Tensor, Tensor, Tensor>? critic = null, Func<Tensor, Tensor>? generator = null, Action<nn.Module>? after = null,
                          int nCritic = 5, OptimizerSpec? optimizer = null) =>
        Objective.From(critic ?? ((real, fake) => fake.mean() - real.mean()), generator ?? (fake => -fake.mean()),
                       optimizer ?? OptimizerSpec.RmsProp(5e-5), after ?? (f => Clip(f, 0.01)), nCritic);

    [Fact]
    public void Train_typical_mistakes_get_their_hints()
    {
        Fails(Ex07.Train(() => Wgan(nCritic: 1)), "n_critic = 5");
        Fails(Ex07.Train(() => Wgan(optimizer: OptimizerSpec.Adam(5e-5, 0.5, 0.999))), "RMSProp");
        Fails(Ex07.Train(() => Objective.From((r, f) => f.mean() - r.mean(), f => -f.mean(), OptimizerSpec.RmsProp(5e-5), null, 5)), "outside [−c, c]");
        Fails(Ex07.Train(() => Wgan(after: f => Clip(f, 0.1))), "outside [−c, c]");
        // a critic loss that trains differently (the GAN's) is seen in the losses
        Fails(Ex07.Train(() => Wgan(critic: (r, f) => F.softplus(-r).mean() + F.softplus(f).mean())), "differs");
    }

    // ---- 07.generator-loss ----

    [Fact]
    public void Generator_loss_typical_mistakes_get_their_hints()
    {
        Fails(Ex07.GeneratorLoss(fake => fake.mean()), "sign is flipped");
        Fails(Ex07.GeneratorLoss(fake => F.softplus(-fake).mean()), "non-saturating");
        Fails(Ex07.GeneratorLoss(fake => -fake.sum()), "summed");
    }

}
