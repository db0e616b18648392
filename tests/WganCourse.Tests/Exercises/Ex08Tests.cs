using TorchSharp;
using WganCourse.Exercises;
using WganCourse.Runtime;
using Xunit;
using static TorchSharp.torch;
using static WganCourse.Tests.Exercises.ExerciseAssert;

namespace WganCourse.Tests.Exercises;

public class Ex08Tests
{
    public Ex08Tests() => Course.Setup();

    // ---- 08.gradient-penalty ----

    internal static Tensor InputGradient(nn.Module<Tensor, Tensor> critic, Tensor at, bool createGraph)
    {
        var x = at.detach().requires_grad_(true);
        return torch.autograd.grad(new[] { critic.call(x).sum() }, new[] { x }, create_graph: createGraph, retain_graph: createGraph)[0];
    }

    internal static Tensor Reference(nn.Module<Tensor, Tensor> critic, Tensor real, Tensor fake, Tensor eps, double lambda) =>
        lambda * (InputGradient(critic, eps * real + (1 - eps) * fake, true).norm(dim: 1) - 1).square().mean();

    [Fact]
    public void Gradient_penalty_typical_mistakes_get_their_hints()
    {
        Fails(Ex08.GradientPenalty((c, real, fake, eps, lambda) => lambda * InputGradient(c, eps * real + (1 - eps) * fake, true).norm(dim: 1).square().mean()), "towards 0");
        Fails(Ex08.GradientPenalty((c, real, fake, eps, lambda) => (InputGradient(c, eps * real + (1 - eps) * fake, true).norm(dim: 1) - 1).square().mean()), "λ is missing");
        Fails(Ex08.GradientPenalty((c, real, fake, eps, lambda) => lambda * (InputGradient(c, real, true).norm(dim: 1) - 1).square().mean()), "real samples");
        Fails(Ex08.GradientPenalty((c, real, fake, eps, lambda) => lambda * (InputGradient(c, eps * real + (1 - eps) * fake, true).norm() - 1).square()), "per sample");
        Fails(Ex08.GradientPenalty((c, real, fake, eps, lambda) => lambda * (InputGradient(c, eps * real + (1 - eps) * fake, true).norm(dim: 1) - 1).clamp_min(0).square().mean()), "one-sided");
        // create_graph without retain_graph: TorchSharp frees the forward graph (PyTorch would keep it); a hint, not a dead process
        Fails(Ex08.GradientPenalty((c, real, fake, eps, lambda) =>
        {
            var x = (eps * real + (1 - eps) * fake).detach().requires_grad_(true);
            var g = torch.autograd.grad(new[] { c.call(x).sum() }, new[] { x }, create_graph: true)[0];
            return lambda * (g.norm(dim: 1) - 1).square().mean();
        }), "freed");
        // right value, but no double backpropagation
        Fails(Ex08.GradientPenalty((c, real, fake, eps, lambda) => lambda * (InputGradient(c, eps * real + (1 - eps) * fake, false).norm(dim: 1) - 1).square().mean()), "create_graph");
    }

    // ---- 08.power-iteration ----

    internal static double Sigma(Tensor w, Tensor u0, int iterations)
    {
        var u = u0; Tensor v = null!;
        for (int i = 0; i < iterations; i++)
        {
            v = w.t().mv(u); v /= v.norm();
            u = w.mv(v); u /= u.norm();
        }
        return u.dot(w.mv(v)).item<double>();
    }

    [Fact]
    public void Power_iteration_typical_mistakes_get_their_hints()
    {
        Fails(Ex08.PowerIteration((w, u, k) => w.norm().item<double>()), "Frobenius");
        Fails(Ex08.PowerIteration((w, u, k) => w.abs().max().item<double>()), "largest entry");
        Fails(Ex08.PowerIteration((w, u, k) => Math.Pow(Sigma(w, u, k), 2)), "σ(W)²");
    }

}
