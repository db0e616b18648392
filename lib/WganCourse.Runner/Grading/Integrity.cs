namespace WganCourse.Runner.Grading;

/// <summary>A remark on a student's notebook. <see cref="Review"/> flags withhold the points of a
/// passing exercise until an instructor has looked (the code reaches into the kernel or the grader,
/// or calls the library's answer); the others only report, e.g. that the course's version of a
/// read-only cell was used instead of the student's. A flag with an <see cref="Exercise"/> concerns
/// that exercise only; the others, every exercise of the notebook.</summary>
public sealed record Flag(string Text, bool Review, string? Exercise = null);

/// <summary>
/// nbgrader-style integrity: the set-up cell and the check cells are read-only; a student's copy that differs from the
/// master (by checksum of the normalized source) or is missing is flagged, and grading uses the master's version anyway.
/// What the student's own code refers to is judged by <see cref="SemanticScan"/>.
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
            void Note(string text) => flags.Add(new Flag($"{ex.Id}: {text}", false, ex.Id));
            if (!stubs.ContainsKey(ex.Id))
            {
                Note($"the stub's `// EXERCISE {ex.Id}` line is missing; " +
                     "the check ran on whatever the notebook defines");
                continue;
            }
            if (!checks.TryGetValue(ex.Id, out var i))
                Note("check cell deleted; the course's check was run");
            else if (CheckCells.Normalize(student.Source(i)) != CheckCells.Normalize(ex.CheckSource))
                Note($"check cell edited (checksum {CheckCells.Checksum(student.Source(i))}, " +
                     $"course {CheckCells.Checksum(ex.CheckSource)}); the course's check was run");
        }
        return flags;
    }
}
