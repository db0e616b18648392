using System.Text.RegularExpressions;

namespace WganCourse.Runner.Grading;

/// <summary>A remark on a student's notebook. <see cref="Review"/> flags withhold the points of a passing exercise
/// until an instructor has looked (the code reaches into the kernel or the grader); the others only report that the
/// course's version of a read-only cell was used instead of the student's.</summary>
public sealed record Flag(string Text, bool Review);

/// <summary>
/// nbgrader-style integrity: the set-up cell and the check cells are read-only; a student's copy that differs from the
/// master (by checksum of the normalized source) or is missing is flagged, and grading uses the master's version anyway.
/// A scan of the student's own code flags what an honest solution never needs (kernel internals, reflection, display
/// formatters, processes, native code, background threads, package loads).
/// </summary>
public static class Integrity
{
    public static List<Flag> ReadOnlyCells(NotebookJson master, NotebookJson student, IReadOnlyList<ExerciseCells> exercises)
    {
        var flags = new List<Flag>();
        int ms = master.SetupIndex, ss = student.SetupIndex;
        if (ss < 0 || CheckCells.CanonicalSetup(student.Source(ss)) != CheckCells.CanonicalSetup(master.Source(ms)))
            flags.Add(new Flag($"set-up cell {(ss < 0 ? "missing" : "edited")} (checksum {(ss < 0 ? "-" : CheckCells.Checksum(student.Source(ss)))}, course {CheckCells.Checksum(master.Source(ms))}); the course's set-up cell was used", false));
        var stubs = student.Stubs();
        var checks = CheckCells.StudentCheckCells(student, exercises);
        foreach (var ex in exercises)
        {
            if (!stubs.ContainsKey(ex.Id)) { flags.Add(new Flag($"{ex.Id}: the stub's `// EXERCISE {ex.Id}` line is missing; the check ran on whatever the notebook defines", false)); continue; }
            if (!checks.TryGetValue(ex.Id, out var i))
                flags.Add(new Flag($"{ex.Id}: check cell deleted; the course's check was run", false));
            else if (CheckCells.Normalize(student.Source(i)) != CheckCells.Normalize(ex.CheckSource))
                flags.Add(new Flag($"{ex.Id}: check cell edited (checksum {CheckCells.Checksum(student.Source(i))}, course {CheckCells.Checksum(ex.CheckSource)}); the course's check was run", false));
        }
        return flags;
    }

    static readonly (Regex Pattern, string Why)[] Suspicious =
    {
        (new(@"Microsoft\.DotNet\.Interactive|KernelInvocationContext|AddMiddleware|\bKernel\.Root\b|SubmitCode"), "reaches into the notebook kernel"),
        (new(@"\bFormatter\b|\bRegister(?:Html|Formatter)?\s*<|PlainTextFormatter|HtmlFormatter"), "changes how values are displayed"),
        (new(@"System\.Reflection|BindingFlags|\.GetMethods?\(|\.GetFields?\(|\.GetProperty\(|Type\.GetType\(|Assembly\.Load|GetAssemblies|Activator\.|MethodInfo|\.SetValue\("), "uses reflection"),
        (new(@"System\.Diagnostics\.Process|Process\.Start|ProcessStartInfo|Environment\.Exit|Environment\.FailFast"), "starts or ends processes"),
        (new(@"DllImport|LibraryImport|NativeLibrary|Marshal\.|\bunsafe\b|/proc/"), "uses native code or process memory"),
        (new(@"new\s+(?:System\.Threading\.)?Thread\s*\(|ThreadPool\.|Task\.(?:Run|Factory)|new\s+(?:System\.Threading\.)?Timer\s*\(|System\.Timers"), "starts background work that can outlive its cell"),
        (new(@"WGAN-GRADE|WGAN_COURSE_EXERCISES|Exercise\.Run\b|\bExerciseResult\s*\("), "names the grading machinery"),
        (new(@"^\s*#(?:r|i|load|!)\b", RegexOptions.Multiline), "loads packages or runs kernel magic commands"),
    };

    /// <summary>Review flags from the student's own code cells (set-up and check cells are replaced, so not scanned).</summary>
    public static List<Flag> Scan(NotebookJson student, IReadOnlyList<ExerciseCells> exercises)
    {
        var skip = new HashSet<int>(CheckCells.StudentCheckCells(student, exercises).Values) { student.SetupIndex };
        var flags = new List<Flag>();
        foreach (var (pattern, why) in Suspicious)
        {
            var hits = Enumerable.Range(0, student.Cells.Count).Where(i => student.IsCode(i) && !skip.Contains(i))
                .Select(i => (Cell: i, Match: pattern.Match(student.Source(i)))).Where(h => h.Match.Success).ToList();
            if (hits.Count > 0)
                flags.Add(new Flag($"review: code {why} (cell {string.Join(", ", hits.Select(h => h.Cell + 1))}: `{hits[0].Match.Value.Trim()}`)", true));
        }
        return flags;
    }
}
