using TorchSharp;
using WganCourse.Runtime;

namespace WganCourse.Runner.Verbs;

/// <summary>`selfcheck`: loads TorchSharp through the course's setup, runs one operation, prints what was loaded.</summary>
static class SelfCheck
{
    public static int Run()
    {
        Console.WriteLine(Course.Setup());
        Console.WriteLine(Course.Native.Message);
        using var x = torch.arange(1, 4, dtype: torch.float32);
        var dot = x.dot(x).item<float>();
        Console.WriteLine($"torch check: (1,2,3)·(1,2,3) = {dot}");
        foreach (var line in File.ReadLines("/proc/self/maps").Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                     .Where(p => p.Length >= 6 && (p[5].Contains("libtorch") || p[5].Contains("libc10") || p[5].Contains("LibTorchSharp")))
                     .Select(p => p[5]).Distinct())
            Console.WriteLine($"mapped: {line}");
        return dot == 14f ? 0 : 1;
    }
}
