using System.Text.Json;
using WganCourse.Data;
using WganCourse.Models;
using WganCourse.Objectives;
using WganCourse.Runtime;
using WganCourse.Training;
using Xunit;

namespace WganCourse.Tests.Training;

/// <summary>Notebook 01 trains its 1-D GAN with a loop written out in a cell. These tests prove that the loop is
/// <see cref="Trainer.Run"/>'s (same losses, same weights for the same seed) and that the cell still holds it.</summary>
public class GanLoopTests
{
    public GanLoopTests() => Course.Setup();

    [Fact]
    public void Visible_gan_loop_gives_the_same_losses_and_weights_as_Trainer_Run()
    {
        const int steps = 150, batch = 128, window = 50;
        var target = Toy.Bimodal1D();
        var g1 = Mlp.Generator(latentDim: 1, outDim: 1, hidden: 32, seed: Seeds.Default);
        var d1 = Mlp.Critic(inDim: 1, hidden: 32, seed: Seeds.Default + 1);
        using var z = GanLoop.LatentStream(Seeds.Default);
        var seen = new List<int>();
        var (lossesD, lossesG) = GanLoop.Train(g1, d1, new ToyBatches(target), z, steps, batch, (s, _, _) => seen.Add(s));

        var g2 = Mlp.Generator(latentDim: 1, outDim: 1, hidden: 32, seed: Seeds.Default);
        var d2 = Mlp.Critic(inDim: 1, hidden: 32, seed: Seeds.Default + 1);
        var run = Trainer.Run(new GanNonSaturating(), g2, d2, new ToyBatches(target),
            new TrainOptions { Steps = steps, BatchSize = batch, LogEvery = window, Seed = Seeds.Default });

        Assert.Equal(Enumerable.Range(1, steps), seen);
        Assert.Equal(steps / window, run.History.Count);
        for (int w = 0; w < run.History.Count; w++)
        {
            Assert.Equal(run.History.CriticLoss[w], lossesD.Skip(w * window).Take(window).Select(v => (double)v).Average());
            Assert.Equal(run.History.GeneratorLoss[w], lossesG.Skip(w * window).Take(window).Select(v => (double)v).Average());
        }
        foreach (var (a, b) in g1.parameters().Zip(g2.parameters()).Concat(d1.parameters().Zip(d2.parameters())))
            Assert.Equal(0.0, (a - b).abs().max().item<float>());
    }

    [Fact]
    public void Notebook_01_cell_holds_the_library_loop_line_for_line()
    {
        var source = File.ReadAllLines(Path.Combine(TestPaths.Repo, "lib/WganCourse/Training/GanLoop.cs"));
        int begin = Array.FindIndex(source, l => l.Contains("// BEGIN notebook 01 GAN step"));
        int end = Array.FindIndex(source, l => l.Contains("// END notebook 01 GAN step"));
        Assert.True(begin >= 0 && end > begin, "markers missing in GanLoop.cs");
        var library = source[(begin + 1)..end].Select(l => l.Trim()).Where(l => l.Length > 0).ToList();

        foreach (var folder in new[] { "notebooks", "notebooks/solutions" })
        {
            var path = Path.Combine(TestPaths.Repo, folder, "01-gan-objective.ipynb");
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            var cells = doc.RootElement.GetProperty("cells").EnumerateArray()
                .Where(c => c.GetProperty("cell_type").GetString() == "code")
                .Select(c => string.Concat(c.GetProperty("source").EnumerateArray().Select(s => s.GetString())))
                .Where(s => s.Contains("var optD = torch.optim.Adam(D1.parameters()"))
                .ToList();
            Assert.True(cells.Count == 1, $"{folder}: expected exactly one cell with the GAN step, found {cells.Count}");
            var lines = cells[0].Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
            int start = lines.IndexOf(library[0]);
            Assert.True(start >= 0, $"{folder}: the cell does not contain the loop's first line '{library[0]}'");
            Assert.Equal(library, lines.Skip(start).Take(library.Count).ToList());
        }
    }
}
