using TorchSharp;
using WganCourse.Exercises;
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
    public void Clip_reference_solution_passes()
    {
        var r = Ex07.ClipWeights((critic, c) =>
        {
            using var _ = no_grad();
            foreach (var p in critic.parameters()) p.clamp_(-c, c);
        });
        Assert.True(r.Passed, r.Message);
    }

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

    [Fact]
    public void Clip_unfilled_stub_is_not_done() =>
        Assert.Equal(ExerciseStatus.NotDone, Ex07.ClipWeights((_, _) => throw new NotImplementedException()).Status);

    // ---- 07.critic-loss ----

    [Fact]
    public void Critic_loss_reference_solution_passes()
    {
        var r = Ex07.CriticLoss((real, fake) => fake.mean() - real.mean());
        Assert.True(r.Passed, r.Message);
    }

    [Fact]
    public void Critic_loss_typical_mistakes_get_their_hints()
    {
        Fails(Ex07.CriticLoss((real, fake) => real.mean() - fake.mean()), "sign is flipped");
        Fails(Ex07.CriticLoss((real, fake) => F.softplus(-real).mean() + F.softplus(fake).mean()), "GAN discriminator loss");
        Fails(Ex07.CriticLoss((real, fake) => fake.sum() - real.sum()), "summed");
        Fails(Ex07.CriticLoss((real, fake) => fake - real), "reduce");
    }

    [Fact]
    public void Critic_loss_unfilled_stub_is_not_done() =>
        Assert.Equal(ExerciseStatus.NotDone, Ex07.CriticLoss((_, _) => throw new NotImplementedException()).Status);

    // ---- 07.generator-loss ----

    [Fact]
    public void Generator_loss_reference_solution_passes()
    {
        var r = Ex07.GeneratorLoss(fake => -fake.mean());
        Assert.True(r.Passed, r.Message);
    }

    [Fact]
    public void Generator_loss_typical_mistakes_get_their_hints()
    {
        Fails(Ex07.GeneratorLoss(fake => fake.mean()), "sign is flipped");
        Fails(Ex07.GeneratorLoss(fake => F.softplus(-fake).mean()), "non-saturating");
        Fails(Ex07.GeneratorLoss(fake => -fake.sum()), "summed");
    }

    [Fact]
    public void Generator_loss_unfilled_stub_is_not_done() =>
        Assert.Equal(ExerciseStatus.NotDone, Ex07.GeneratorLoss(_ => throw new NotImplementedException()).Status);
}
