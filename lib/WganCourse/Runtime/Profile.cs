namespace WganCourse.Runtime;

/// <summary>The three run profiles of the course. Selected once, by WGAN_COURSE_PROFILE.</summary>
public enum ProfileName { Smoke, Cpu, Full }

/// <summary>
/// The current run profile. Every training budget in the course is a <see cref="Pick{T}"/> in
/// <see cref="Budgets"/>, so a notebook never repeats a step count.
/// </summary>
public static class Profile
{
    public const string Variable = "WGAN_COURSE_PROFILE";
    static ProfileName? overridden;

    public static ProfileName Current => overridden ?? Parse(Environment.GetEnvironmentVariable(Variable));

    /// <summary>smoke: structure only, training claims skipped. cpu: the default, every claim. full: paper scale, for a GPU.</summary>
    public static ProfileName Parse(string? value) => (value ?? "").Trim().ToLowerInvariant() switch
    {
        "" or "cpu" => ProfileName.Cpu,
        "smoke" => ProfileName.Smoke,
        "full" => ProfileName.Full,
        var v => throw new ArgumentException($"{Variable}='{v}' is not a run profile; use smoke, cpu or full.")
    };

    /// <summary>For a test or a notebook that wants another profile without restarting the kernel.</summary>
    public static IDisposable Use(ProfileName name)
    {
        var previous = overridden;
        overridden = name;
        return new Restore(() => overridden = previous);
    }

    public static T Pick<T>(T smoke, T cpu, T full) => Current switch
    {
        ProfileName.Smoke => smoke,
        ProfileName.Full => full,
        _ => cpu,
    };

    /// <summary>Claims that need training are checked only when this is true (not in smoke).</summary>
    public static bool ChecksTrainingClaims => Current != ProfileName.Smoke;

    public static string Describe() => Current.ToString().ToLowerInvariant();

    sealed class Restore(Action undo) : IDisposable { public void Dispose() => undo(); }
}

/// <summary>
/// Every budget of the course, by profile. Partial: each notebook's budgets live in their own file
/// (Budgets.NbXX.cs) so that the numbers sit next to the reason for them.
/// </summary>
public static partial class Budgets
{
    /// <summary>00: the toy GAN of the tour.</summary>
    public static int TourSteps => Profile.Pick(smoke: 50, cpu: 1500, full: 5000);
    /// <summary>How often a live display refreshes, in steps.</summary>
    public static int LiveEvery => Profile.Pick(smoke: 25, cpu: 100, full: 250);
}
