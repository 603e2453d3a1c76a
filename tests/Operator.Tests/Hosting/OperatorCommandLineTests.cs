using AgentOperator.Contracts;
using AgentOperator.Operator.Hosting;
using Microsoft.Extensions.Logging;

namespace AgentOperator.Operator.Tests.Hosting;

public sealed class OperatorCommandLineTests
{
    [Fact]
    public void Parse_NoFlags_GivesTheDocumentedDefaults()
    {
        var options = OperatorCommandLine.Parse([]).Options!;

        Assert.Null(options.Kubeconfig);
        Assert.False(options.LeaderElection.Enabled);
        Assert.Equal(8080, options.MetricsPort);
        Assert.Equal(8081, options.HealthPort);
        Assert.Equal(4, options.MaxConcurrentReconciles);
        Assert.Equal(TimeSpan.FromMinutes(10), options.ResyncPeriod);
        Assert.Equal(LogLevel.Information, options.LogLevel);
    }

    [Fact]
    public void Parse_EveryFlag_InBothSpellings()
    {
        var options = OperatorCommandLine.Parse([
            "--kubeconfig", "/tmp/kc", "--leader-elect", "--metrics-port=9090", "--health-port", "9091",
            "--max-concurrent-reconciles=8", "--log-level", "debug", "--namespace=agents", "--resync-period", "30s",
            "--leader-election-namespace", "ops", "--leader-election-id=op-lock", "--otlp-endpoint", "http://collector:4317",
        ]).Options!;

        Assert.Equal("/tmp/kc", options.Kubeconfig);
        Assert.True(options.LeaderElection.Enabled);
        Assert.Equal("ops", options.LeaderElection.LeaseNamespace);
        Assert.Equal("op-lock", options.LeaderElection.LeaseName);
        Assert.Equal(9090, options.MetricsPort);
        Assert.Equal(9091, options.HealthPort);
        Assert.Equal(8, options.MaxConcurrentReconciles);
        Assert.Equal(LogLevel.Debug, options.LogLevel);
        Assert.Equal("agents", options.WatchNamespace);
        Assert.Equal(TimeSpan.FromSeconds(30), options.ResyncPeriod);
        Assert.Equal(new Uri("http://collector:4317"), options.OtlpEndpoint);
        Assert.False(OperatorCommandLine.Parse(["--leader-elect=false"]).Options!.LeaderElection.Enabled);
    }

    [Fact]
    public void Parse_audit_collector_takes_the_address_gateways_ship_to_and_refuses_what_a_gateway_would_not_accept()
    {
        Assert.Null(OperatorCommandLine.Parse([]).Options!.AuditCollector);
        Assert.Equal(new Uri("http://agentoperator-audit-collector.agentoperator-system.svc:8080"),
            OperatorCommandLine.Parse(["--audit-collector=http://agentoperator-audit-collector.agentoperator-system.svc:8080"]).Options!.AuditCollector);

        foreach (var bad in new[] { "ftp://collector:21", "collector:8080", "" })
        {
            var parsed = OperatorCommandLine.Parse([$"--audit-collector={bad}"]);
            Assert.Null(parsed.Options);
            Assert.Contains("--audit-collector takes an absolute http(s) URL", parsed.Error, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Parse_console_url_sets_the_base_of_notification_links_and_defaults_to_the_console_default()
    {
        Assert.Equal(ConsoleLinks.DefaultBase, OperatorCommandLine.Parse([]).Options!.Notifications.ConsoleUrl);
        Assert.Equal(new Uri("https://agents.example.com/console"), OperatorCommandLine.Parse(["--console-url", "https://agents.example.com/console"]).Options!.Notifications.ConsoleUrl);
        var bad = OperatorCommandLine.Parse(["--console-url=console:3100"]);
        Assert.Null(bad.Options);
        Assert.Contains("--console-url takes an absolute http(s) URL", bad.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--log-level=info", LogLevel.Information)] // what config/manager and the chart's values pass
    [InlineData("--log-level=information", LogLevel.Information)]
    [InlineData("--log-level=warn", LogLevel.Warning)]
    [InlineData("--log-level=warning", LogLevel.Warning)]
    [InlineData("--log-level=debug", LogLevel.Debug)]
    [InlineData("--log-level=trace", LogLevel.Trace)]
    [InlineData("--log-level=error", LogLevel.Error)]
    [InlineData("--log-level=critical", LogLevel.Critical)]
    [InlineData("--log-level=INFO", LogLevel.Information)]
    [InlineData("--log-level=Warning", LogLevel.Warning)]
    public void Parse_LogLevel_TakesZapAndDotNetNames(string flag, LogLevel expected) =>
        Assert.Equal(expected, OperatorCommandLine.Parse([flag]).Options!.LogLevel);

    [Theory]
    [InlineData("--log-level=none")]
    [InlineData("--log-level=2")]
    [InlineData("--log-level=dpanic")]
    public void Parse_LogLevel_RefusesOtherNamesAndNumbers(string flag) =>
        Assert.StartsWith("--log-level takes trace, debug, info, warn, error", OperatorCommandLine.Parse([flag]).Error, StringComparison.Ordinal);

    [Theory]
    [InlineData("unknown flag --bogus", "--bogus", "1")]
    [InlineData("--metrics-port takes a port", "--metrics-port", "http")]
    [InlineData("--max-concurrent-reconciles takes a positive integer", "--max-concurrent-reconciles", "0")]
    [InlineData("--log-level takes trace", "--log-level", "loud")]
    [InlineData("--leader-elect takes true or false", "--leader-elect=maybe")]
    [InlineData("--health-port needs a value", "--health-port")]
    [InlineData("unexpected argument 'serve'", "serve")]
    public void Parse_BadInput_SaysWhatIsWrong(string expected, params string[] args)
    {
        var result = OperatorCommandLine.Parse(args);

        Assert.Null(result.Options);
        Assert.StartsWith(expected, result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("dev")]
    [InlineData("dev", "--no-ui", "--exit-after", "60")]
    public void Dev_is_refused_with_the_command_that_runs_dev_mode_now(params string[] args)
    {
        var result = OperatorCommandLine.Parse(args);

        Assert.Null(result.Options);
        Assert.Equal(OperatorCommandLine.DevModeMoved, result.Error);
        Assert.Contains("dotnet run --project src/DevMode", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_Help_AsksForUsage() => Assert.True(OperatorCommandLine.Parse(["--help"]).HelpRequested);
}
