using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace WganCourse.Objectives;

/// <summary>The optimizer a paper prescribes for one network, so that defaults live next to the objective.</summary>
public sealed record OptimizerSpec(string Kind, double LearningRate, double Beta1 = 0.9, double Beta2 = 0.999, double Alpha = 0.99)
{
    public static OptimizerSpec Adam(double lr, double beta1, double beta2) => new("adam", lr, beta1, beta2);
    public static OptimizerSpec RmsProp(double lr, double alpha = 0.99) => new("rmsprop", lr, Alpha: alpha);
    public static OptimizerSpec Sgd(double lr) => new("sgd", lr);

    /// <summary>Builds the optimizer over the given parameters.</summary>
    public optim.Optimizer Create(IEnumerable<Parameter> parameters) => Kind switch
    {
        "adam" => optim.Adam(parameters, LearningRate, Beta1, Beta2),
        "rmsprop" => optim.RMSProp(parameters, LearningRate, alpha: Alpha),
        "sgd" => optim.SGD(parameters, LearningRate),
        _ => throw new ArgumentException($"unknown optimizer kind '{Kind}' (adam, rmsprop or sgd)"),
    };

    public override string ToString() => Kind switch
    {
        "adam" => $"Adam(lr={LearningRate:G3}, β=({Beta1}, {Beta2}))",
        "rmsprop" => $"RMSProp(lr={LearningRate:G3})",
        _ => $"SGD(lr={LearningRate:G3})",
    };
}

/// <summary>
/// One loss family (GAN saturating / non-saturating, WGAN with clipping, WGAN-GP, ...). The single training loop
/// (WganCourse.Training.Trainer) is parameterised by it. The discriminator/critic always outputs raw scores
/// (logits for the GAN, unbounded values for the WGAN critic); objectives apply their own link.
/// </summary>
public abstract class Objective
{
    /// <summary>Short name for tables and legends, e.g. "GAN (non-sat.)", "WGAN", "WGAN-GP".</summary>
    public abstract string Name { get; }

    /// <summary>Loss the critic/discriminator minimises on one batch. <paramref name="critic"/> maps (x, y) to scores,
    /// with y null for unconditional models (WGAN-GP needs it to score interpolates).</summary>
    public abstract Tensor CriticLoss(Func<Tensor, Tensor?, Tensor> critic, Tensor real, Tensor fake, Tensor? labels);

    /// <summary>Loss the generator minimises, from the critic's scores on generated samples.</summary>
    public abstract Tensor GeneratorLoss(Tensor fakeScores);

    /// <summary>Called after every critic optimizer step (weight clipping lives here).</summary>
    public virtual void AfterCriticStep(nn.Module critic) { }

    /// <summary>Critic iterations before generator step <paramref name="generatorStep"/> (0-based): n_critic and its schedule.</summary>
    public virtual int CriticIterations(int generatorStep) => 1;

    /// <summary>The paper's optimizer for the critic/discriminator.</summary>
    public abstract OptimizerSpec CriticOptimizer { get; }
    /// <summary>The paper's optimizer for the generator.</summary>
    public abstract OptimizerSpec GeneratorOptimizer { get; }

    public override string ToString() => Name;

    /// <summary>
    /// An objective made of plain functions of the critic's scores — e.g. a student's answers to notebook 07's
    /// exercises — so that they can train through the same <see cref="Training.Trainer"/> as the library's objectives.
    /// The critic scores the fake batch first, then the real one (the order of <see cref="Wgan.CriticLoss"/>), so
    /// functions equal to the library's give bit-identical training.
    /// </summary>
    /// <param name="criticLoss">(scores on the real batch, scores on the fake batch) → the critic's loss, a scalar.</param>
    /// <param name="generatorLoss">Scores on generated samples → the generator's loss, a scalar.</param>
    /// <param name="optimizer">Optimizer of both networks, unless <paramref name="generatorOptimizer"/> is given.</param>
    /// <param name="afterCriticStep">Called after every critic optimizer step, e.g. weight clipping.</param>
    /// <param name="nCritic">Critic iterations per generator iteration.</param>
    /// <param name="generatorOptimizer">A different optimizer for the generator.</param>
    /// <param name="name">Name for tables and legends.</param>
    public static Objective From(Func<Tensor, Tensor, Tensor> criticLoss, Func<Tensor, Tensor> generatorLoss, OptimizerSpec optimizer,
        Action<nn.Module>? afterCriticStep = null, int nCritic = 1, OptimizerSpec? generatorOptimizer = null, string name = "your objective")
    {
        ArgumentNullException.ThrowIfNull(criticLoss);
        ArgumentNullException.ThrowIfNull(generatorLoss);
        ArgumentNullException.ThrowIfNull(optimizer);
        if (nCritic < 1) throw new ArgumentOutOfRangeException(nameof(nCritic), nCritic, "n_critic must be ≥ 1");
        return new FromFunctions(criticLoss, generatorLoss, afterCriticStep, nCritic, optimizer, generatorOptimizer ?? optimizer, name);
    }

    sealed class FromFunctions(Func<Tensor, Tensor, Tensor> criticLoss, Func<Tensor, Tensor> generatorLoss, Action<nn.Module>? afterCriticStep,
        int nCritic, OptimizerSpec criticOptimizer, OptimizerSpec generatorOptimizer, string name) : Objective
    {
        public override string Name => name;

        public override Tensor CriticLoss(Func<Tensor, Tensor?, Tensor> critic, Tensor real, Tensor fake, Tensor? labels)
        {
            using var scope = NewDisposeScope();
            var fakeScores = critic(fake, labels);
            var realScores = critic(real, labels);
            return Scalar(criticLoss(realScores, fakeScores), "critic").MoveToOuterDisposeScope();
        }

        public override Tensor GeneratorLoss(Tensor fakeScores) => Scalar(generatorLoss(fakeScores), "generator");

        public override void AfterCriticStep(nn.Module critic) => afterCriticStep?.Invoke(critic);
        public override int CriticIterations(int generatorStep) => nCritic;
        public override OptimizerSpec CriticOptimizer => criticOptimizer;
        public override OptimizerSpec GeneratorOptimizer => generatorOptimizer;

        Tensor Scalar(Tensor? loss, string who)
        {
            if (loss is null) throw new ArgumentException($"{name}: the {who} loss function returned null; return a 0-dimensional tensor.");
            if (loss.numel() != 1)
                throw new ArgumentException($"{name}: the {who} loss must be one number (reduce with .mean()), got shape [{string.Join(", ", loss.shape)}].");
            return loss;
        }
    }
}
