using AgentOperator.DevMode;

namespace AgentOperator.Operator.Tests.DevMode;

public sealed class DevModeCommandLineTests
{
    [Fact]
    public void Parse_NoPrometheus_TurnsPrometheusOff_WhichIsOnByDefault()
    {
        var (byDefault, _, _) = DevModeCommandLine.Parse([], DevModeExamples.Repository, outputRedirected: true);
        var (withFlag, error, _) = DevModeCommandLine.Parse(["--no-prometheus"], DevModeExamples.Repository, outputRedirected: true);

        Assert.Null(error);
        Assert.True(byDefault!.UsePrometheus);
        Assert.False(withFlag!.UsePrometheus);
        Assert.Contains("--no-prometheus", DevModeCommandLine.Usage, StringComparison.Ordinal);
    }
}
