namespace AgentOperator.Gateway.Tests.Fuzz;

/// <summary>
/// A test that needs AFL++ (<c>afl-fuzz</c>, Debian's afl++) and SharpFuzz's instrumenter (<c>sharpfuzz</c>, the
/// SharpFuzz.CommandLine dotnet tool); <c>bash .ci/run</c> installs both. Where either is missing it is reported as
/// skipped with the reason, never as passed.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class AflFactAttribute : FactAttribute
{
    private static readonly string[] Tools = ["afl-fuzz", "sharpfuzz"];

    public AflFactAttribute()
    {
        var missing = Tools.Where(tool => AflTools.Find(tool) is null).ToList();
        if (missing.Count > 0)
        {
            Skip = $"not on PATH or in ~/.dotnet/tools: {string.Join(", ", missing)} (bash .ci/run installs afl++ and SharpFuzz.CommandLine)";
        }
    }
}
