using WganCourse.Exercises;
using Xunit;

namespace WganCourse.Tests.Exercises;

/// <summary>Assertions shared by the checker tests of every notebook.</summary>
static class ExerciseAssert
{
    /// <summary>The checker rejected the answer with a hint that contains <paramref name="hint"/>.</summary>
    public static void Fails(ExerciseResult r, string hint)
    {
        Assert.True(r.Status == ExerciseStatus.Fail, $"expected Fail with \"{hint}\", got {r.Status}: {r.Message}");
        Assert.Contains(hint, r.Message);
    }
}
