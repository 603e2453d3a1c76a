using AgentOperator.Contracts;
using AgentOperator.Gateway.Cli;

namespace AgentOperator.Gateway.Tests.Cli;

/// <summary>The serve command line both sides share: what the operator renders parses back to the same record, and every mistake is a usage error naming the argument.</summary>
public sealed class GatewayServeArgumentsTests
{
    private static readonly GatewayServeArguments InPod = new()
    {
        BundleConfigMap = new ConfigMapReference("support", "refund-agent-7f3a9c2d41"),
        Port = 15080,
        MetricsPort = 15090,
        AuditFile = GatewayPodLayout.AuditFile,
    };

    [Fact]
    public void Render_ConfigMapBundle_WritesServeThenTheFlags() =>
        Assert.Equal(
            ["serve", "--bundle-configmap", "support/refund-agent-7f3a9c2d41", "--port", "15080", "--metrics-port", "15090", "--audit", "/var/run/agentoperator/audit/audit.jsonl"],
            InPod.Render());

    [Fact]
    public void Parse_OfRender_RoundTripsEveryField()
    {
        var everything = new GatewayServeArguments
        {
            BundleConfigMap = new ConfigMapReference("ns", "cm", "other.json"),
            Port = 1,
            MetricsPort = 65535,
            AuditFile = "/a/audit.jsonl",
            SecretsDirectory = "/s",
            TokensDirectory = "/t",
            OtlpEndpoint = new Uri("http://collector:4317"),
            MaxOpenRuns = 7,
            RunIdleTimeout = TimeSpan.FromSeconds(90),
        };

        Assert.Equal(InPod, GatewayServeArguments.Parse(InPod.Render()));
        Assert.Equal(everything, GatewayServeArguments.Parse(everything.Render()));
        Assert.Equal(new GatewayServeArguments { BundleFile = "bundle.json" }, GatewayServeArguments.Parse(new GatewayServeArguments { BundleFile = "bundle.json" }.Render()));
    }

    [Fact]
    public void Parse_EqualsForm_AndDefaults()
    {
        var parsed = GatewayServeArguments.Parse(["serve", "--bundle=b.json", "--port=0"]);

        Assert.Equal("b.json", parsed.BundleFile);
        Assert.Null(parsed.BundleConfigMap);
        Assert.Equal(0, parsed.Port);
        Assert.Equal(GatewayServeArguments.DefaultMetricsPort, parsed.MetricsPort);
        Assert.Null(parsed.AuditFile);
    }

    [Theory]
    [InlineData("unknown argument '--bundel'", "serve", "--bundel", "b.json")]
    [InlineData("unknown argument '--log-level'", "serve", "--bundle", "b.json", "--log-level=info")]
    [InlineData("unexpected argument 'extra'", "serve", "--bundle", "b.json", "--port", "1", "extra")]
    [InlineData("--port needs a value", "serve", "--bundle", "b.json", "--port")]
    [InlineData("--audit needs a value", "serve", "--bundle", "b.json", "--audit", "--port", "1")]
    [InlineData("--audit needs a value", "serve", "--bundle", "b.json", "--audit=")]
    [InlineData("--port takes a port from 0 to 65535, not 'http'", "serve", "--bundle", "b.json", "--port", "http")]
    [InlineData("--metrics-port takes a port from 0 to 65535, not '70000'", "serve", "--bundle", "b.json", "--metrics-port", "70000")]
    [InlineData("--port is given more than once", "serve", "--bundle", "b.json", "--port", "1", "--port", "2")]
    [InlineData("--bundle-configmap and --bundle exclude each other: give one bundle source", "serve", "--bundle", "b.json", "--bundle-configmap", "ns/cm")]
    [InlineData("a bundle source is required: --bundle-configmap NAMESPACE/NAME or --bundle FILE", "serve", "--port", "1")]
    [InlineData("--bundle-configmap takes NAMESPACE/NAME[/KEY], not 'cm'", "serve", "--bundle-configmap", "cm")]
    [InlineData("--bundle-configmap takes NAMESPACE/NAME[/KEY], not 'ns//key'", "serve", "--bundle-configmap", "ns//key")]
    [InlineData("--otlp takes an absolute http(s) URL, not 'collector'", "serve", "--bundle", "b.json", "--otlp", "collector")]
    [InlineData("the command is 'compile', not 'serve'", "compile", "--bundle", "b.json")]
    [InlineData("--max-open-runs takes a positive whole number, not '0'", "serve", "--bundle", "b.json", "--max-open-runs", "0")]
    [InlineData("--run-idle-timeout takes a positive whole number, not '5m'", "serve", "--bundle", "b.json", "--run-idle-timeout", "5m")]
    [InlineData("the command 'serve' is missing")]
    public void Parse_Mistake_IsAUsageErrorNamingTheArgument(string message, params string[] args)
    {
        var error = Assert.Throws<UsageException>(() => GatewayServeArguments.Parse(args));

        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void Options_FlagsWinOverTheEnvironment_WhichWinsOverThePodLayout()
    {
        Dictionary<string, string> environment = new()
        {
            [GatewayEnvironment.Namespace] = "support",
            [GatewayEnvironment.SecretsDirectory] = "/env/secrets",
            [GatewayEnvironment.TokensDirectory] = "/env/tokens",
            [GatewayEnvironment.OtlpEndpoint] = "http://collector:4318",
        };

        var fromEnvironment = ServeCommand.Options(InPod, environment.GetValueOrDefault, inClusterNamespace: "from-file");
        var fromFlags = ServeCommand.Options(InPod with { SecretsDirectory = "/flag/secrets" }, _ => null, inClusterNamespace: "from-file");

        Assert.Equal(InPod.BundleConfigMap, fromEnvironment.BundleConfigMap);
        Assert.Equal((15080, 15090, GatewayPodLayout.AuditFile), (fromEnvironment.AgentPort, fromEnvironment.MetricsPort, fromEnvironment.AuditPath));
        Assert.Equal(("support", "/env/secrets", "/env/tokens"), (fromEnvironment.Namespace, fromEnvironment.SecretsRoot, fromEnvironment.TokensRoot));
        Assert.Equal(new Uri("http://collector:4318"), fromEnvironment.OtlpEndpoint);
        Assert.Equal(("from-file", "/flag/secrets", GatewayPodLayout.TokensDirectory), (fromFlags.Namespace, fromFlags.SecretsRoot, fromFlags.TokensRoot));
        Assert.Null(fromFlags.OtlpEndpoint);
    }

    [Fact]
    public async Task Serve_UnknownArgument_ExitsTwoNamingIt()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        var code = await GatewayCommandLine.RunAsync(["serve", "--bundle", "b.json", "--verbose"], output, error, CancellationToken.None);

        Assert.Equal(2, code);
        Assert.StartsWith("error: unknown argument '--verbose'", error.ToString(), StringComparison.Ordinal);
    }
}
