namespace AgentOperator.SampleAgent.Tests;

public sealed class SampleAgentCommandLineTests
{
    private static readonly Dictionary<string, string?> RunEnvironment = new(StringComparer.Ordinal)
    {
        ["AGENT_GATEWAY_URL"] = "http://127.0.0.1:15080",
        ["SAMPLE_AGENT_SEED"] = "42",
        ["SAMPLE_AGENT_EVAL_TASKS"] = "10",
        ["SAMPLE_AGENT_EVAL_PASS_RATE"] = "0.5",
    };

    [Fact]
    public void Parse_NoArgument_ReadsTheEnvironmentAlone()
    {
        var options = SampleAgentCommandLine.Parse([], RunEnvironment);

        Assert.Equal((AgentMode.Run, 42, 10, 0.5), (options.Mode, options.Seed, options.EvalTasks, options.EvalPassRate));
    }

    [Fact]
    public void Parse_EnvironmentEvalModeStillWorks()
    {
        var environment = new Dictionary<string, string?>(RunEnvironment) { ["SAMPLE_AGENT_MODE"] = "eval" };

        Assert.Equal(AgentMode.Eval, SampleAgentCommandLine.Parse([], environment).Mode);
    }

    [Fact]
    public void Parse_Eval_FlagsOverrideTheEnvironment()
    {
        var options = SampleAgentCommandLine.Parse(["eval", "--suite=refunds", "--cases=50", "--pass-rate", "0.4"], RunEnvironment);

        Assert.Equal((AgentMode.Eval, 50, 0.4, "refunds"), (options.Mode, options.EvalTasks, options.EvalPassRate, options.EvalSuite));
        Assert.Equal(42, options.Seed);
        Assert.Equal(new Uri("http://127.0.0.1:15080"), options.GatewayUrl);
    }

    [Fact]
    public void Parse_EvalWithoutFlags_UsesTheEnvironmentsEvalSettings_EvenInRunMode()
    {
        var environment = new Dictionary<string, string?>(RunEnvironment) { ["SAMPLE_AGENT_MODE"] = "run" };

        var options = SampleAgentCommandLine.Parse(["eval"], environment);

        Assert.Equal((AgentMode.Eval, 10, 0.5), (options.Mode, options.EvalTasks, options.EvalPassRate));
    }

    [Fact]
    public void Parse_EvalWithoutGateway_IsASimulatedEval()
    {
        var options = SampleAgentCommandLine.Parse(["eval", "--cases=3"], new Dictionary<string, string?>());

        Assert.Null(options.GatewayUrl);
        Assert.Equal(3, options.EvalTasks);
    }

    [Theory]
    [InlineData("--cases=0", "--cases")]
    [InlineData("--cases=many", "--cases")]
    [InlineData("--pass-rate=1.5", "--pass-rate")]
    [InlineData("--pass-rate=high", "--pass-rate")]
    [InlineData("--suite=", "--suite")]
    [InlineData("--seed=3", "--seed")]
    [InlineData("refunds", "refunds")]
    [InlineData("--cases", "--cases")]
    public void Parse_BadEvalArgument_ThrowsNamingIt(string argument, string named)
    {
        var exception = Assert.Throws<FormatException>(() => SampleAgentCommandLine.Parse(["eval", argument], RunEnvironment));

        Assert.Contains(named, exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_UnknownCommand_Throws()
    {
        var exception = Assert.Throws<FormatException>(() => SampleAgentCommandLine.Parse(["serve"], RunEnvironment));

        Assert.Contains("unknown command 'serve'", exception.Message, StringComparison.Ordinal);
    }
}
