using System.Diagnostics;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using WganCourse.Exercises;
using WganCourse.Runner.Grading;
using WganCourse.Runner.Verbs;
using Xunit;

namespace WganCourse.Tests.Grading;

/// <summary>Grading's pieces without a kernel (fast): the injected checks, the token, the flags, the exports, resuming.</summary>
public class GradingUnitTests
{
    static string Master00 => Path.Combine(TestPaths.Repo, "notebooks", "00-setup-and-tour.ipynb");
    static string Fixture(string student) => Path.Combine(TestPaths.Repo, "tests", "fixtures", "students", student, "00-setup-and-tour.ipynb");

    static (NotebookJson Master, List<ExerciseCells> Exercises) Master()
    {
        var m = NotebookJson.Load(Master00);
        return (m, m.Exercises());
    }

    [Fact]
    public void The_injected_check_calls_the_checker_by_its_global_name_after_a_formatter_reset_and_replaces_the_students_copy()
    {
        var (master, exercises) = Master();
        Assert.Equal("00.mean-square", Assert.Single(exercises).Id);
        var student = NotebookJson.Load(Fixture("cheat-edited-check"));
        var a = CheckCells.Assemble(master, student, exercises, "NONCE", "/abs/WganCourse.dll");
        var cells = a.Notebook["cells"]!.AsArray().Select(c => NotebookJson.Source(c!)).ToList();
        Assert.Contains("\"/abs/WganCourse.dll\"", cells[0]);
        Assert.DoesNotContain("../lib/WganCourse", cells[0]);
        Assert.DoesNotContain("#load", cells[0]); // no build check: the sandbox has the built library, not its sources
        var check = cells[a.Injected["00.mean-square"]];
        Assert.Equal(cells.Count - 1, a.Injected["00.mean-square"]); // after every student cell
        Assert.Null(a.StudentCell[0]); Assert.Null(a.StudentCell[^1]); // the course's set-up cell and the injected check
        Assert.All(a.StudentCell.Skip(1).SkipLast(1), i => Assert.NotNull(i));
        Assert.Contains("global::WganCourse.Exercises.Ex00.MeanSquare(MeanSquare)", check);
        Assert.True(check.IndexOf("Formatter.ResetToDefault()", StringComparison.Ordinal) < check.IndexOf("Ex00.MeanSquare", StringComparison.Ordinal));
        Assert.DoesNotContain(cells.Take(cells.Count - 1), c => c.Contains("ExerciseStatus.Pass")); // the student's forged check cell is gone
        Assert.All(a.Notebook["cells"]!.AsArray().Where(c => (string?)c!["cell_type"] == "code"), c => Assert.Empty(c!["outputs"]!.AsArray()));
    }

    static JsonNode Cell(string mime, string text, string type = "execute_result") => new JsonObject
    {
        ["cell_type"] = "code", ["execution_count"] = 3, ["source"] = "",
        ["outputs"] = new JsonArray(new JsonObject { ["output_type"] = type, ["data"] = new JsonObject { [mime] = text } }),
    };

    static string Token(string nonce, string id, string status, string message)
    {
        var m = $"{id}\n{status}\n{message}";
        return $"{CheckCells.TokenPrefix} {Convert.ToBase64String(Encoding.UTF8.GetBytes(m))} {CheckCells.Hmac(nonce, m)}";
    }

    [Fact]
    public void A_result_counts_only_with_this_gradings_nonce_for_this_exercise_from_the_cells_text_plain_value()
    {
        var good = CheckCells.Read(Cell("text/plain", Token("N1", "07.clip", "Pass", "ok")), "07.clip", "N1");
        Assert.Equal(("Pass", "ok", false), (good.Status, good.Message, good.Forged));
        var otherNonce = CheckCells.Read(Cell("text/plain", Token("N0", "07.clip", "Pass", "ok")), "07.clip", "N1");
        Assert.Null(otherNonce.Status); Assert.True(otherNonce.Forged);
        var otherId = CheckCells.Read(Cell("text/plain", Token("N1", "07.critic-loss", "Pass", "ok")), "07.clip", "N1");
        Assert.Null(otherId.Status); Assert.True(otherId.Forged);
        var fail = Token("N1", "07.clip", "Fail", "hint").Split(' ');
        var edited = $"{fail[0]} {Convert.ToBase64String(Encoding.UTF8.GetBytes("07.clip\nPass\nhint"))} {fail[2]}"; // altered payload, same HMAC
        Assert.Null(CheckCells.Read(Cell("text/plain", edited), "07.clip", "N1").Status);
        Assert.Null(CheckCells.Read(Cell("text/html", Token("N1", "07.clip", "Pass", "ok")), "07.clip", "N1").Status); // HTML is never read
        Assert.Null(CheckCells.Read(Cell("text/plain", Token("N1", "07.clip", "Pass", "ok"), "display_data"), "07.clip", "N1").Status); // nor displays
        Assert.Equal(64, CheckCells.NewNonce().Length);
        Assert.NotEqual(CheckCells.NewNonce(), CheckCells.NewNonce());
    }

    [Fact]
    public void Edited_and_deleted_read_only_cells_are_flagged_and_an_untouched_notebook_is_not()
    {
        var (master, exercises) = Master();
        Assert.Empty(Integrity.ReadOnlyCells(master, NotebookJson.Load(Fixture("reference")), exercises));
        var m07 = NotebookJson.Load(Path.Combine(TestPaths.Repo, "notebooks", "07-wgan.ipynb"));
        var solution07 = NotebookJson.Load(Path.Combine(TestPaths.Repo, "notebooks", "solutions", "07-wgan.ipynb")); // `#r "../../lib/..."`
        Assert.Empty(Integrity.ReadOnlyCells(m07, solution07, m07.Exercises()));
        Assert.Contains(Integrity.ReadOnlyCells(master, NotebookJson.Load(Fixture("cheat-edited-check")), exercises), f => f.Text.StartsWith("00.mean-square: check cell deleted") || f.Text.StartsWith("00.mean-square: check cell edited"));
        var edited = JsonNode.Parse(File.ReadAllText(Fixture("reference")))!;
        var cells = edited["cells"]!.AsArray();
        cells[^1]!["source"] = "WganCourse.Exercises.Ex00.MeanSquare(x => x.square().mean())";
        cells[0]!["source"] = NotebookJson.Source(cells[0]!) + "\nConsole.WriteLine(1);";
        var path = Path.Combine(Directory.CreateTempSubdirectory("wgan-flags-").FullName, "00-setup-and-tour.ipynb");
        File.WriteAllText(path, edited.ToJsonString());
        var flags = Integrity.ReadOnlyCells(master, NotebookJson.Load(path), exercises).Select(f => f.Text).ToList();
        Assert.Contains(flags, f => f.StartsWith("00.mean-square: check cell edited (checksum", StringComparison.Ordinal));
        Assert.Contains(flags, f => f.StartsWith("set-up cell edited", StringComparison.Ordinal));
    }

    static SemanticScan.Result Scan(string student, string notebook = "00-setup-and-tour.ipynb")
    {
        var master = NotebookJson.Load(Path.Combine(TestPaths.Repo, "notebooks", notebook));
        var path = Path.Combine(TestPaths.Repo, "tests", "fixtures", "students", student, notebook);
        return SemanticScan.Scan(master, NotebookJson.Load(path), master.Exercises());
    }

    [Theory]
    [InlineData("cheat-middleware", SemanticScan.Kernel)]
    [InlineData("cheat-formatter", SemanticScan.Display)]
    [InlineData("cheat-recording-reflection", SemanticScan.Reflection)]
    [InlineData("cheat-results-file", SemanticScan.Machinery)]
    [InlineData("hostile-fork", SemanticScan.Processes)]
    [InlineData("evade-whitespace", SemanticScan.Reflection)]
    [InlineData("evade-alias", SemanticScan.Kernel)]
    [InlineData("evade-alias", SemanticScan.Reflection)]
    [InlineData("evade-dynamic", SemanticScan.Dynamic)]
    [InlineData("evade-string-type", SemanticScan.Reflection)]
    [InlineData("evade-string-type", SemanticScan.Kernel)]
    public void What_code_refers_to_is_held_for_review_however_spelled(string student, string why)
    {
        var flags = Scan(student).Flags();
        Assert.True(flags.Any(f => f.Review && f.Exercise is null && f.Text.Contains(why)),
                    string.Join("\n", flags));
    }

    [Fact]
    public void A_cell_that_does_not_compile_is_reported_as_such()
    {
        // Exercise.Run is internal: the kernel fails on the cell too, so it records nothing
        var flag = Assert.Single(Scan("cheat-recording-api").Flags());
        Assert.False(flag.Review);
        Assert.StartsWith("cell 2 does not compile: CS0117", flag.Text);
    }

    [Fact]
    public void An_honest_notebook_compiles_in_the_scan_and_has_no_finding()
    {
        const string Nb00 = "00-setup-and-tour.ipynb", Nb02 = "02-js-saturation.ipynb";
        foreach (var (student, notebook) in
                 new[] { ("reference", Nb00), ("wrong", Nb00), ("honest-plumbing", Nb02) })
        {
            var r = Scan(student, notebook);
            Assert.True(r.Findings.Count == 0, student + ": " + string.Join("; ", r.Findings));
            Assert.True(r.CompileErrors.Count == 0,
                        student + ": " + string.Join("; ", r.CompileErrors));
        }
    }

    [Fact]
    public void A_call_to_the_librarys_answer_flags_that_exercise_only()
    {
        var flags = Scan("library-call", "02-js-saturation.ipynb").Flags();
        var js = Assert.Single(flags, f => f.Exercise == "02.js");
        Assert.True(js.Review);
        Assert.Contains("WganCourse.Divergences.Classic.JS", js.Text);
        var losses = Assert.Single(flags, f => f.Exercise == "02.g-losses");
        Assert.Contains("WganCourse.Objectives.GanLosses.GeneratorSaturating", losses.Text);
        Assert.DoesNotContain(flags, f => f.Exercise is null && f.Review);
    }

    /// <summary>A prediction stub is graded like any other stub; one that asks the library's
    /// experiment for the outcome instead of predicting is held for review, for that exercise only.</summary>
    [Fact]
    public void A_prediction_stub_that_runs_the_experiment_is_held_for_review()
    {
        const string Nb05 = "05-dcgan.ipynb";
        var master = NotebookJson.Load(Path.Combine(Notebooks, Nb05));
        var student = JsonNode.Parse(File.ReadAllText(Path.Combine(Notebooks, "solutions", Nb05)))!;
        var stub = student["cells"]!.AsArray().Single(c =>
            NotebookJson.Source(c!).StartsWith("// EXERCISE 05.predict-checkerboard", StringComparison.Ordinal))!;
        stub["source"] = "// EXERCISE 05.predict-checkerboard\nusing WganCourse.Exercises;\n\n" +
                         "Checkerboard PredictCheckerboard() =>\n" +
                         "    Ex05.CheckerboardRun(1).Outcome ?? Checkerboard.Both;";
        var dir = Directory.CreateTempSubdirectory("wgan-scan-").FullName;
        var path = Path.Combine(dir, Nb05);
        File.WriteAllText(path, student.ToJsonString());
        var flags = SemanticScan.Scan(master, NotebookJson.Load(path), master.Exercises()).Flags();
        var flag = Assert.Single(flags, f => f.Review);
        Assert.Equal("05.predict-checkerboard", flag.Exercise);
        Assert.Contains("Ex05.CheckerboardRun", flag.Text);
        // the master's stub and check cells are found like any exercise's
        Assert.Contains(master.Exercises(), e => e.Id == "05.predict-checkerboard" &&
            e.CheckSource.Trim() == "WganCourse.Exercises.Ex05.PredictCheckerboard(PredictCheckerboard)");
    }

    [Fact]
    public void Kernel_commands_are_flagged_and_cells_that_do_not_compile_are_reported()
    {
        var (master, exercises) = Master();
        var edited = JsonNode.Parse(File.ReadAllText(Fixture("reference")))!;
        edited["cells"]!.AsArray().Add(new JsonObject
        {
            ["cell_type"] = "code", ["metadata"] = new JsonObject(), ["outputs"] = new JsonArray(),
            ["execution_count"] = null,
            ["source"] = "#  r \"nuget: Newtonsoft.Json\"\n#!time\nvar n = 1;\nnotDefined(n)",
        });
        var dir = Directory.CreateTempSubdirectory("wgan-scan-").FullName;
        var path = Path.Combine(dir, "00-setup-and-tour.ipynb");
        File.WriteAllText(path, edited.ToJsonString());
        var r = SemanticScan.Scan(master, NotebookJson.Load(path), exercises);
        Assert.True(r.Findings.Any(f => f.Why == SemanticScan.Magic && f.What.StartsWith("#  r")),
                    string.Join("\n", r.Findings));
        var error = Assert.Single(r.CompileErrors); // `#!time` was blanked, not compiled

        var last = edited["cells"]!.AsArray().Count;
        Assert.StartsWith($"cell {last} does not compile: CS0103", error);
    }

    static string Notebooks => Path.Combine(TestPaths.Repo, "notebooks");

    public static TheoryData<string> Solutions() => new(
        Directory.GetFiles(Path.Combine(Notebooks, "solutions"), "*.ipynb").Select(Path.GetFileName)
            .Where(f => NotebookJson.Load(Path.Combine(Notebooks, f!)).Stubs().Count > 0)
            .OrderBy(f => f, StringComparer.Ordinal)!);

    /// <summary>Keeps the [AnswerInLibrary] table honest: the reference solution never needs the
    /// library's answer (nor anything else the scan holds for review), and the whole notebook
    /// compiles as the kernel compiles it.</summary>
    [Theory]
    [MemberData(nameof(Solutions))]
    public void The_reference_solution_calls_no_library_answer_and_raises_no_flag(string notebook)
    {
        var master = NotebookJson.Load(Path.Combine(Notebooks, notebook));
        var solution = NotebookJson.Load(Path.Combine(Notebooks, "solutions", notebook));
        var r = SemanticScan.Scan(master, solution, master.Exercises());
        Assert.True(r.Findings.Count == 0, string.Join("; ", r.Findings));
        Assert.True(r.CompileErrors.Count == 0, string.Join("; ", r.CompileErrors));
    }

    [Fact]
    public void Every_library_answer_names_a_public_member_of_its_type()
    {
        var answers = Exercise.LibraryAnswers();
        Assert.Equal(Exercise.Catalog().Select(e => e.Id).Order(), answers.Keys.Order());
        Assert.Contains(answers["02.js"],
                        a => a.Type == typeof(WganCourse.Divergences.Classic) && a.Member == "JS");
        foreach (var a in answers.Values.SelectMany(v => v).Where(a => a.Member is not null))
            Assert.True(a.Member == ".ctor" ? a.Type.GetConstructors().Length > 0
                                            : a.Type.GetMember(a.Member!).Length > 0,
                        $"{a.Type}.{a.Member}");
    }

    [Fact]
    public void The_injected_check_draws_hidden_cases_from_a_seed_that_does_not_reveal_the_nonce()
    {
        var (_, exercises) = Master();
        var src = CheckCells.InjectedSource("00.mean-square", exercises[0].CheckSource, "N-A", 0);
        Assert.Contains($"Exercise.WithCases(\n    \"{CheckCells.CaseSeed("N-A")}\", () =>", src);
        Assert.DoesNotContain("\"N-A\", () =>", src);
        Assert.NotEqual(CheckCells.CaseSeed("N-A"), CheckCells.CaseSeed("N-B"));
    }

    [Fact]
    public void A_students_own_load_of_a_script_is_held_for_review_but_the_set_up_cells_is_not()
    {
        var master = NotebookJson.Load(Path.Combine(TestPaths.Repo, "notebooks", "00-setup-and-tour.ipynb"));
        var nb = JsonNode.Parse(File.ReadAllText(Fixture("reference")))!;
        nb["cells"]!.AsArray().Add(new JsonObject
        {
            ["cell_type"] = "code", ["metadata"] = new JsonObject(), ["outputs"] = new JsonArray(),
            ["source"] = "#load \"../lib/BuildCheck.csx\"",
        });
        var path = Path.Combine(Directory.CreateTempSubdirectory("wgan-load-").FullName, "00-setup-and-tour.ipynb");
        File.WriteAllText(path, nb.ToJsonString());
        Assert.Contains(SemanticScan.Scan(master, NotebookJson.Load(path), master.Exercises()).Flags(),
                        f => f.Review && f.Text.Contains(SemanticScan.Magic));
        Assert.Empty(Scan("reference").Flags()); // its set-up cell has a #load
    }

    [Fact]
    public void Recording_is_not_public_and_points_default_to_one()
    {
        var run = typeof(Exercise).GetMethod("Run", BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic)!;
        Assert.False(run.IsPublic);
        Assert.Null(typeof(Exercise).GetField("FileVariable"));
        Assert.All(Exercise.Catalog(), e => Assert.True(e.Points >= 1));
        Assert.Equal(3, new ExerciseAttribute("x.y", "t", points: 3).Points);
        Assert.Throws<ArgumentOutOfRangeException>(() => new ExerciseAttribute("x.y", "t", points: 0).Points);
    }

    static List<Row> Rows() => new()
    {
        new("ann", "07-wgan.ipynb", "07.clip", "Pass", "All hidden cases pass.", 2, 2, ""),
        new("ann", "07-wgan.ipynb", "07.critic-loss", "Fail", "the sign is flipped", 0, 1, ""),
        new("bob", "07-wgan.ipynb", "07.clip", "Flagged", "passed, but held", 0, 2, "review: code reaches into the notebook kernel (cell 2: `AddMiddleware`)"),
        new("bob", "07-wgan.ipynb", "07.critic-loss", "Pass", "All hidden cases pass.", 1, 1, ""),
    };

    [Fact]
    public void Gradebook_and_gradescope_exports_carry_points_per_exercise_and_totals()
    {
        var dir = Directory.CreateTempSubdirectory("wgan-reports-").FullName;
        Reports.Write(Rows(), dir);
        var book = File.ReadAllLines(Path.Combine(dir, "gradebook.csv"));
        Assert.Equal("\"student\",\"total\",\"max\",\"07.clip\",\"07.critic-loss\"", book[0]);
        Assert.Equal("\"ann\",2,3,2,0", book[1]);
        Assert.Equal("\"bob\",1,3,0,1", book[2]);
        Assert.Contains("2/3", File.ReadAllText(Path.Combine(dir, "grades.html")));
        using var gs = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "gradescope", "bob.json")));
        var root = gs.RootElement;
        Assert.Equal(1, root.GetProperty("score").GetDouble());
        var tests = root.GetProperty("tests").EnumerateArray().ToList();
        Assert.Equal(2, tests.Count);
        Assert.Equal("failed", tests[0].GetProperty("status").GetString());
        Assert.Equal(2, tests[0].GetProperty("max_score").GetDouble());
        Assert.StartsWith("07.clip — weight clipping", tests[0].GetProperty("name").GetString());
        Assert.Contains("AddMiddleware", root.GetProperty("output").GetString());
    }

    [Fact]
    public void A_rerun_keeps_rows_whose_notebook_master_and_library_are_unchanged_and_starts_no_kernel()
    {
        var cls = Directory.CreateTempSubdirectory("wgan-resume-").FullName;
        var out_ = Path.Combine(cls, "out");
        var nb = Path.Combine(cls, "class", "ann", "00-setup-and-tour.ipynb");
        Directory.CreateDirectory(Path.GetDirectoryName(nb)!);
        File.Copy(Fixture("reference"), nb);
        var master = Grader.MasterFor(nb)!;
        Assert.Equal(Path.GetFullPath(Master00), Path.GetFullPath(master));
        var kept = new List<Row> { new("ann", "00-setup-and-tour.ipynb", "00.mean-square", "Pass", "kept", 1, 1, "") };
        var store = new Store(out_);
        store.Put("ann", "00-setup-and-tour.ipynb", Grader.ContentHash(nb, master, "smoke"), kept);
        var sw = Stopwatch.StartNew();
        var rows = Grade.GradeAll(Path.Combine(cls, "class"), new GradeOptions(out_, Limits.Default, Sandboxed: false), jobs: 2);
        Assert.Equal("kept", Assert.Single(rows).Message);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(20), $"took {sw.Elapsed}");
        File.AppendAllText(nb, " "); // any change makes the row stale
        Assert.Null(store.Get("ann", "00-setup-and-tour.ipynb", Grader.ContentHash(nb, master, "smoke")));
    }

    [SandboxFact]
    public void The_sandbox_shows_the_built_library_but_not_the_repository_and_unshares_the_network()
    {
        if (Sandbox.Unavailable() is { } why) { Assert.Fail("bubblewrap is needed for grading's sandbox (apt-get install bubblewrap): " + why); }
        var work = Directory.CreateTempSubdirectory("wgan-sbx-").FullName;
        var input = Directory.CreateTempSubdirectory("wgan-sbx-in-").FullName;
        var bin = Path.Combine(TestPaths.Repo, "lib", "WganCourse", "bin");
        using var s = new Sandbox("unit", work, input, Limits.Default, new[] { bin, Path.Combine(TestPaths.Repo, "data") });
        string Run(string script)
        {
            var psi = new ProcessStartInfo("/bin/sh") { WorkingDirectory = work, RedirectStandardOutput = true, RedirectStandardError = true };
            psi.ArgumentList.Add("-c"); psi.ArgumentList.Add(script);
            using var p = Process.Start(s.Wrap(psi))!;
            var o = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
            p.WaitForExit();
            return o;
        }
        var seen = Run($"ls {bin}/WganCourse.dll; ls {TestPaths.Repo}/notebooks/solutions || echo NO-SOLUTIONS; ls {TestPaths.Repo}/lib/WganCourse/Exercises || echo NO-SOURCE; " +
                       $"touch {TestPaths.Repo}/data/x 2>/dev/null || echo DATA-READ-ONLY; touch {work}/ok && echo WORK-WRITABLE; " +
                       "cat /proc/net/dev | grep -c : ; echo HOME=$HOME");
        Assert.Contains("WganCourse.dll", seen);
        Assert.Contains("NO-SOLUTIONS", seen);
        Assert.Contains("NO-SOURCE", seen);
        Assert.Contains("DATA-READ-ONLY", seen);
        Assert.Contains("WORK-WRITABLE", seen);
        Assert.Contains("HOME=" + Path.Combine(work, "home"), seen);
        Assert.Matches(@"(?m)^1$", seen); // one network interface: the private loopback
    }
}
