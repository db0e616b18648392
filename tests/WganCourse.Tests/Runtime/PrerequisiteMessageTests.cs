using System.Runtime.InteropServices;
using WganCourse.Runner.Execution;
using Xunit;

namespace WganCourse.Tests.Runtime;

/// <summary>A missing prerequisite gives one line that names the problem and the fix for the user's OS.</summary>
public class PrerequisiteMessageTests
{
    public static TheoryData<string, string, string> Fixes => new()
    {
        { "sdk", "WINDOWS", "winget install Microsoft.DotNet.SDK.10" },
        { "sdk", "OSX", "brew install --cask dotnet-sdk" },
        { "sdk", "LINUX", "apt-get install dotnet-sdk-10.0" },
        { "chromium", "WINDOWS", "winget install Google.Chrome" },
        { "chromium", "OSX", "brew install --cask chromium" },
        { "chromium", "LINUX", "apt-get install chromium" },
        { "jupyter", "WINDOWS", "pip install nbclient nbconvert" },
        { "jupyter", "OSX", "brew install python" },
        { "jupyter", "LINUX", "apt-get install python3-nbclient" },
    };

    [Theory]
    [MemberData(nameof(Fixes))]
    public void Each_prerequisite_names_its_install_command_per_OS(string key, string os, string expected)
    {
        var fix = Tools.Fix(key, OSPlatform.Create(os));
        Assert.Contains(expected, fix);
        Assert.DoesNotContain('\n', fix);
        var foreign = os switch
        {
            "WINDOWS" => new[] { "brew ", "apt-get " },
            "OSX" => new[] { "winget ", "choco ", "apt-get " },
            _ => new[] { "winget ", "choco ", "brew " },
        };
        Assert.All(foreign, f => Assert.DoesNotContain(f, fix)); // only this OS's package manager
    }

    // what `dotnet tool restore` printed here with an unreachable NuGet source and an empty package cache
    const string Offline = "Unhandled exception: Unable to load the service index for source https://nuget.invalid/v3/index.json.";

    [Theory]
    [InlineData("LINUX", "~/.nuget/packages/microsoft.dotnet-interactive/1.0.712001")]
    [InlineData("WINDOWS", @"%USERPROFILE%\.nuget\packages/microsoft.dotnet-interactive/1.0.712001")]
    public void An_offline_tool_restore_says_NuGet_is_unreachable_and_what_to_do(string os, string cache)
    {
        var m = Tools.ToolRestoreFailed("1.0.712001", "`dotnet tool restore` failed (1): " + Offline, "/repo", OSPlatform.Create(os));
        Assert.Contains("NuGet is unreachable (https://nuget.invalid/v3/index.json)", m);
        Assert.Contains("run `dotnet tool restore` in /repo", m);
        Assert.Contains(cache, m);
        Assert.DoesNotContain('\n', m);
    }

    [Fact]
    public void Another_tool_restore_failure_shows_its_last_line()
    {
        var m = Tools.ToolRestoreFailed("1.0.712001", "failed (1):\nerror NU1101: Unable to find package x\n", "/repo", OSPlatform.Linux);
        Assert.DoesNotContain("unreachable", m);
        Assert.Contains("error NU1101: Unable to find package x", m);
        Assert.Contains("run it in /repo", m);
    }
}
