using System.Diagnostics;

namespace WganCourse.Runner.Grading;

/// <summary>Limits of one student's run. Time is the executor's own limit (it kills the whole process tree).</summary>
public sealed record Limits(long MemoryBytes, int Processes, TimeSpan Time)
{
    public static Limits Default { get; } = new(3L << 30, 512, TimeSpan.FromSeconds(300));
}

/// <summary>
/// One student's sandbox: bubblewrap (the Debian package `bubblewrap`, unprivileged user namespaces) around the
/// process the notebook executor starts (today the nbclient driver, whose child is the kernel; later the kernel
/// itself — the wrapper does not care). Inside, only what a kernel needs is visible, read-only: /usr and /etc, the
/// NuGet package cache, the built library (lib/WganCourse/bin, not its source), the kernelspec, the driver script
/// and data/; plus the graded notebook (read-only, deleted once the first cell runs) and a private writable work
/// folder that is also HOME. Nothing else of the repository (no notebooks/solutions, no library source), no other
/// student, no grades. New user, PID, IPC, UTS, cgroup and network namespaces (--unshare-all: no network but a
/// private loopback); the sandbox dies with the grader (--die-with-parent).
/// <para>Memory and process count are limited by a cgroup per student (cgroup v1 `memory` and `pids` controllers,
/// created next to the grader's own cgroups; the kernel's OOM killer and pids.max enforce them, and their counters
/// say afterwards which limit was hit). Where no writable cgroup exists, `prlimit --data` bounds memory and the
/// process count is bounded only by time (said at start). systemd-run would need a running systemd, which
/// containers and CI runners often lack; cgroups written directly work wherever the grader may write them.</para>
/// </summary>
public sealed class Sandbox : IDisposable
{
    /// <summary>bubblewrap, found on PATH (Debian/Ubuntu: /usr/bin/bwrap); "bwrap" when missing (then Available says so).</summary>
    public static string Bwrap => Execution.Tools.Find("bwrap") ?? "bwrap";
    readonly string work, input;
    readonly Limits limits;
    readonly string? pidsGroup, memoryGroup;
    readonly IReadOnlyList<string> readOnly;

    /// <summary>Null when sandboxes can be made here; else why not, in words that say what to do.</summary>
    public static string? Unavailable()
    {
        if (!OperatingSystem.IsLinux()) return $"sandboxing needs Linux (bubblewrap); this is {System.Runtime.InteropServices.RuntimeInformation.OSDescription}";
        if (Execution.Tools.Find("bwrap") is null) return "bubblewrap is not installed: `sudo apt-get install bubblewrap`";
        try
        {
            var psi = new ProcessStartInfo(Bwrap) { RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (var a in new[] { "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--unshare-all", "--die-with-parent", "true" }) psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            var err = p.StandardError.ReadToEnd();
            p.WaitForExit();
            return p.ExitCode == 0 ? null : $"bubblewrap cannot create namespaces here ({err.Trim()}); enable unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1)";
        }
        catch (Exception e) { return $"bubblewrap failed to start: {e.Message}"; }
    }

    /// <summary>Which limits this machine enforces (printed once by `grade`).</summary>
    public static string LimitsDescription(Limits l) =>
        (CgroupV1("memory") is not null && CgroupV1("pids") is not null
            ? $"memory {l.MemoryBytes >> 20} MiB and {l.Processes} tasks per student (cgroup v1)"
            : $"memory {l.MemoryBytes >> 20} MiB per process (prlimit --data); NO process-count limit (no writable cgroup: a fork bomb runs until the time limit)")
        + $", {l.Time.TotalSeconds:0} s per notebook";

    public Sandbox(string name, string workDir, string inputDir, Limits limits, IEnumerable<string> readOnlyPaths)
    {
        work = workDir; input = inputDir; this.limits = limits; readOnly = readOnlyPaths.ToList();
        var id = "wgan-grade-" + new string(name.Select(c => char.IsLetterOrDigit(c) ? c : '-').ToArray()) + "-" + Guid.NewGuid().ToString("N")[..8];
        memoryGroup = MakeGroup("memory", id, ("memory.limit_in_bytes", limits.MemoryBytes.ToString()));
        pidsGroup = MakeGroup("pids", id, ("pids.max", limits.Processes.ToString()));
    }

    /// <summary>The cgroup v1 hierarchy of a controller, at the grader's own place in it, if writable.</summary>
    static string? CgroupV1(string controller)
    {
        var root = Path.Combine("/sys/fs/cgroup", controller);
        if (!File.Exists(Path.Combine(root, "cgroup.procs"))) return null;
        try
        {
            var line = File.ReadLines("/proc/self/cgroup").Select(l => l.Split(':', 3)).FirstOrDefault(p => p.Length == 3 && p[1].Split(',').Contains(controller));
            var dir = line is null ? root : Path.Combine(root, line[2].TrimStart('/'));
            var probe = Path.Combine(dir, "wgan-grade-probe-" + Environment.ProcessId);
            Directory.CreateDirectory(probe); Directory.Delete(probe);
            return dir;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }

    /// <summary>Removes empty per-student cgroups a killed grader left behind (its sandboxes died with it:
    /// --die-with-parent), if older than a minute so that a concurrent grader's fresh group is never touched.</summary>
    public static int RemoveStaleGroups()
    {
        int removed = 0;
        foreach (var controller in new[] { "memory", "pids" })
        {
            var parent = CgroupV1(controller);
            if (parent is null) continue;
            foreach (var g in Directory.GetDirectories(parent, "wgan-grade-*"))
            {
                try
                {
                    if (DateTime.UtcNow - Directory.GetLastWriteTimeUtc(g) < TimeSpan.FromMinutes(1)) continue;
                    if (File.ReadAllText(Path.Combine(g, "cgroup.procs")).Trim().Length > 0) continue;
                    Directory.Delete(g); removed++;
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
            }
        }
        return removed;
    }

    static string? MakeGroup(string controller, string id, (string File, string Value) limit)
    {
        var parent = CgroupV1(controller);
        if (parent is null) return null;
        var dir = Path.Combine(parent, id);
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, limit.File), limit.Value);
        return dir;
    }

    /// <summary>The wrapper for NotebookExecutor.Execute's wrapProcess: sh joins the cgroups, then execs bwrap.</summary>
    public ProcessStartInfo Wrap(ProcessStartInfo psi)
    {
        if (!string.IsNullOrEmpty(psi.Arguments)) throw new InvalidOperationException("Sandbox.Wrap needs the process's arguments in ArgumentList, not Arguments.");
        var w = new ProcessStartInfo("/bin/sh")
        {
            WorkingDirectory = work, RedirectStandardOutput = psi.RedirectStandardOutput, RedirectStandardError = psi.RedirectStandardError,
            RedirectStandardInput = psi.RedirectStandardInput, UseShellExecute = false,
        };
        var join = string.Concat(new[] { memoryGroup, pidsGroup }.OfType<string>().Select(g => $"echo $$ > '{g}/cgroup.procs' && "));
        w.ArgumentList.Add("-c");
        // nice 10: a student's busy loops or fork bomb must not starve the grader and the machine's other work
        w.ArgumentList.Add(join + "exec nice -n 10 \"$@\"");
        w.ArgumentList.Add("sandbox");
        var a = new List<string> { Bwrap, "--die-with-parent", "--unshare-all", "--clearenv",
            "--ro-bind", "/usr", "/usr", "--ro-bind", "/etc", "/etc",
            "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--tmpfs", "/run", "--tmpfs", "/var/tmp" };
        foreach (var link in new[] { "bin", "sbin", "lib", "lib64", "lib32" })
        {
            var target = new FileInfo("/" + link).LinkTarget;
            if (target is not null) { a.Add("--symlink"); a.Add(target); a.Add("/" + link); }
            else if (Directory.Exists("/" + link)) { a.Add("--ro-bind"); a.Add("/" + link); a.Add("/" + link); }
        }
        foreach (var p in readOnly.Where(p => File.Exists(p) || Directory.Exists(p))) { a.Add("--ro-bind"); a.Add(p); a.Add(p); }
        a.AddRange(new[] { "--ro-bind", input, input, "--bind", work, work, "--chdir", psi.WorkingDirectory.Length > 0 ? psi.WorkingDirectory : work });
        var home = Path.Combine(work, "home");
        Directory.CreateDirectory(home);
        var env = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["PATH"] = "/usr/local/bin:/usr/bin:/bin", ["HOME"] = home, ["TMPDIR"] = "/tmp", ["LANG"] = "C.UTF-8",
            ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1", ["DOTNET_NOLOGO"] = "1", ["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1",
            ["WGAN_COURSE_NATIVE_DIR"] = Path.Combine(work, "native"),
        };
        foreach (var (k, v) in psi.Environment)
            if (v is not null && (k.StartsWith("WGAN_COURSE_") || k.StartsWith("OPENBLAS_") || k.StartsWith("DOTNET_") || k is "JUPYTER_PATH" or "NUGET_PACKAGES" or "DOTNET_ROOT"))
                env.TryAdd(k, v);
        env["NUGET_PACKAGES"] = NugetPackages;
        foreach (var (k, v) in env) { a.Add("--setenv"); a.Add(k); a.Add(v); }
        a.Add("--");
        if (memoryGroup is null) { a.AddRange(new[] { Execution.Tools.Find("prlimit") ?? "prlimit", $"--data={limits.MemoryBytes}", "--" }); }
        a.Add(psi.FileName);
        a.AddRange(psi.ArgumentList);
        foreach (var x in a) w.ArgumentList.Add(x);
        return w;
    }

    public static string NugetPackages => Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } n ? n
        : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");

    /// <summary>Which limit stopped the run, if any (read from the cgroups' counters).</summary>
    public string? LimitHit(bool processDied)
    {
        string Read(string? g, string f) { try { return g is null ? "" : File.ReadAllText(Path.Combine(g, f)); } catch (IOException) { return ""; } }
        long Counter(string text, string key) =>
            text.Split('\n').Select(l => l.Split(' ')).Where(p => p.Length == 2 && p[0] == key).Select(p => long.TryParse(p[1], out var v) ? v : 0).FirstOrDefault();
        if (Counter(Read(memoryGroup, "memory.oom_control"), "oom_kill") > 0 ||
            processDied && long.TryParse(Read(memoryGroup, "memory.failcnt").Trim(), out var f) && f > 0)
            return $"memory ({limits.MemoryBytes >> 20} MiB)";
        if (Counter(Read(pidsGroup, "pids.events"), "max") > 0) return $"process count ({limits.Processes} tasks)";
        return null;
    }

    /// <summary>Kills whatever is left in the student's cgroups and removes them.</summary>
    public void Dispose()
    {
        foreach (var g in new[] { pidsGroup, memoryGroup }.OfType<string>())
        {
            for (int round = 0; round < 50 && Directory.Exists(g); round++)
            {
                var pids = File.ReadAllLines(Path.Combine(g, "cgroup.procs")).Where(l => l.Length > 0).ToList();
                foreach (var pid in pids) try { Process.GetProcessById(int.Parse(pid)).Kill(); } catch (Exception) { }
                try { Directory.Delete(g); break; } catch (IOException) { Thread.Sleep(100); }
            }
        }
    }
}
