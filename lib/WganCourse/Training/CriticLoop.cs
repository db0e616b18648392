using System.Diagnostics;
using static TorchSharp.torch;

namespace WganCourse.Training;

/// <summary>
/// The one critic-only training loop: the loss on the next batch, zero_grad, backward, step, the after-step hook
/// (clipping). <see cref="KantorovichRubinstein.TrainCritic(nn.Module{Tensor, Tensor}, Data.IToyDistribution,
/// Data.IToyDistribution, Objectives.Objective, int, int, int, Action{int}?)"/>, <see cref="Probes.TrainDiscriminator"/>
/// and <see cref="CriticOnly.Train"/> differ only in where batches come from, how they stop and what they record.
/// </summary>
internal static class CriticLoop
{
    /// <param name="optimizer">The critic's optimizer.</param>
    /// <param name="steps">Optimizer steps.</param>
    /// <param name="loss">Draws the next batch and returns the critic loss on it (inside the step's dispose scope).</param>
    /// <param name="afterStep">Runs after each optimizer step (e.g. the objective's clipping).</param>
    /// <param name="beforeStep">Runs with the 0-based step before it starts: the stop check, so a stop leaves the
    /// critic and its optimizer as they were after the previous step.</param>
    /// <param name="record">Runs with (step, loss) inside the step's scope, e.g. to copy the loss to a device tensor.</param>
    /// <param name="onStep">Runs with the number of completed steps after each one; its time is not training time.</param>
    /// <returns>Training wall time in seconds.</returns>
    internal static double Run(optim.Optimizer optimizer, int steps, Func<Tensor> loss, Action afterStep,
        Action<int> beforeStep, Action<int, Tensor>? record = null, Action<int>? onStep = null)
    {
        var clock = Stopwatch.StartNew();
        double paused = 0;
        for (int i = 0; i < steps; i++)
        {
            beforeStep(i);
            using (var scope = NewDisposeScope())
            {
                var l = loss();
                optimizer.zero_grad();
                l.backward();
                optimizer.step();
                afterStep();
                record?.Invoke(i, l.detach());
            }
            if (onStep is not null)
            {
                var t = clock.Elapsed.TotalSeconds;
                onStep(i + 1);
                paused += clock.Elapsed.TotalSeconds - t;
            }
        }
        return clock.Elapsed.TotalSeconds - paused;
    }

    /// <summary>The mean of recorded losses (one host read); throws at the first non-finite one, naming its step
    /// (<paramref name="firstStep"/> + index + 1).</summary>
    internal static double FiniteMean(Tensor losses, int firstStep, string quantity, string context)
    {
        var values = losses.cpu().data<float>().ToArray();
        int bad = Array.FindIndex(values, v => !float.IsFinite(v));
        if (bad >= 0) throw new TrainingDivergedException(firstStep + bad + 1, quantity, values[bad], context);
        return values.Average();
    }
}
