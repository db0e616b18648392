using System.Text.Json.Nodes;
using Xunit;

namespace WganCourse.Tests.Notebooks;

/// <summary>The grading command survives every way a student's notebook can go wrong and reports each exercise.</summary>
[Collection("notebooks")]
public class GradeTests
{
    static JsonNode Notebook00() => JsonNode.Parse(File.ReadAllText(Path.Combine(TestPaths.Repo, "notebooks", "00-setup-and-tour.ipynb")))!;

    static JsonArray Cells(JsonNode nb) => nb["cells"]!.AsArray();
    static string Source(JsonNode cell) => cell["source"] is JsonArray a ? string.Concat(a.Select(s => (string)s!)) : (string)cell["source"]!;

    /// <summary>Replaces the exercise stub's body, keeps only the setup, the stub and the check (fast under smoke).</summary>
    static JsonNode Student(string? body, bool deleteCheck = false, bool hang = false)
    {
        var nb = Notebook00();
        var cells = Cells(nb);
        var keep = new JsonArray();
        foreach (var c in cells.ToList())
        {
            var src = Source(c!);
            bool setup = src.Contains("Notebook.Setup("), stub = src.Contains("// EXERCISE 00.mean-square"), check = src.Contains("Ex00.MeanSquare(");
            if (!(setup || stub || check)) continue;
            if (check && deleteCheck) continue;
            var copy = c!.DeepClone();
            if (stub && body is not null) copy["source"] = src.Replace("throw new NotImplementedException();", body);
            keep.Add(copy);
            if (setup && hang)
            {
                var loop = copy.DeepClone(); loop["source"] = "while (true) System.Threading.Thread.Sleep(100);"; keep.Add(loop);
            }
        }
        nb["cells"] = keep;
        return nb;
    }

    [Fact]
    public void Grades_a_class_with_a_solution_a_wrong_answer_an_untouched_stub_a_deleted_check_and_a_hang()
    {
        var root = Directory.CreateTempSubdirectory("wgan-class-").FullName;
        void Put(string student, JsonNode nb)
        {
            Directory.CreateDirectory(Path.Combine(root, student));
            File.WriteAllText(Path.Combine(root, student, "00-setup-and-tour.ipynb"), nb.ToJsonString());
        }
        Put("alice", Student(null));
        Put("bob", Student("return x.square().mean();"));
        Put("carol", Student("return x.square().sum();"));
        Put("dave", Student("return x.square().mean();", deleteCheck: true));
        Put("erin", Student("return x.square().mean();", hang: true));
        Put("frank", Student("return x.squar().mean();")); // does not compile

        var r = RunnerProcess.Run("grade", root, "--timeout", "60", "--out", "{out}");
        Assert.True(r.ExitCode == 0, r.Output);
        var rows = File.ReadAllLines(Path.Combine(r.OutDir, "grades.csv")).Skip(1)
            .Select(l => l.Split("\",\"")).ToDictionary(p => p[0].Trim('"'), p => (Status: p[3], Message: p[4].Trim('"')));
        Assert.Equal("NotDone", rows["alice"].Status);
        Assert.Equal("Pass", rows["bob"].Status);
        Assert.Equal("Fail", rows["carol"].Status);
        Assert.Contains("missing mean", rows["carol"].Message);
        Assert.Equal("Missing", rows["dave"].Status);
        Assert.Equal("Timeout", rows["erin"].Status);
        Assert.Equal("Missing", rows["frank"].Status);
        Assert.Contains("squar", rows["frank"].Message);
        Assert.True(File.Exists(Path.Combine(r.OutDir, "grades.html")));
    }
}
