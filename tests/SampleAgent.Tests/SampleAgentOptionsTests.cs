namespace AgentOperator.SampleAgent.Tests;

public sealed class SampleAgentOptionsTests
{
    [Fact]
    public void FromEnvironment_reads_every_variable()
    {
        var options = SampleAgentOptions.FromEnvironment(new Dictionary<string, string?>
        {
            ["AGENT_GATEWAY_URL"] = "http://127.0.0.1:15080",
            ["SAMPLE_AGENT_SEED"] = "42",
            ["SAMPLE_AGENT_TASKS_PER_MINUTE"] = "12.5",
            ["SAMPLE_AGENT_ESCALATION_RATE"] = "0.1",
            ["SAMPLE_AGENT_VIOLATION_RATE"] = "0.05",
            ["SAMPLE_AGENT_FAILURE_RATE"] = "0.02",
            ["SAMPLE_AGENT_TOKENS_PER_CALL"] = "300",
            ["SAMPLE_AGENT_TOOLS"] = """crm.lookup_order:read={"order_id":"A-1","tags":["a","b"]},payments.issue_refund:create""",
            ["SAMPLE_AGENT_ROLES"] = "planner, executor",
            ["SAMPLE_AGENT_MAX_RUNS"] = "10",
            ["SAMPLE_AGENT_MODE"] = "eval",
            ["SAMPLE_AGENT_EVAL_PASS_RATE"] = "0.9",
            ["SAMPLE_AGENT_TERMINATION_MESSAGE_PATH"] = "/tmp/t.log",
        });

        Assert.Equal(new Uri("http://127.0.0.1:15080"), options.GatewayUrl);
        Assert.Equal((42, 12.5, 0.1, 0.05, 0.02, 300), (options.Seed, options.TasksPerMinute, options.EscalationRate, options.ViolationRate, options.FailureRate, options.TokensPerCall));
        Assert.Equal(["crm.lookup_order", "payments.issue_refund"], options.Tools.Select(t => t.Name));
        Assert.Equal(["read", "create"], options.Tools.Select(t => t.Action));
        Assert.Equal("""{"order_id":"A-1","tags":["a","b"]}""", options.Tools[0].Input.ToJsonString());
        Assert.Empty(options.Tools[1].Input);
        Assert.Equal(["planner", "executor"], options.Roles);
        Assert.Equal(10, options.MaxRuns);
        Assert.Equal(AgentMode.Eval, options.Mode);
        Assert.Equal(0.9, options.EvalPassRate);
        Assert.Equal("/tmp/t.log", options.TerminationMessagePath);
    }

    [Fact]
    public void FromEnvironment_reads_tools_from_a_json_file_with_violating_inputs()
    {
        var file = Path.Combine(Path.GetTempPath(), $"tools-{Guid.NewGuid():N}.json");
        File.WriteAllText(file, """[{"name":"payments.issue_refund","action":"create","input":{"amount_usd":20},"violatingInput":{"amount_usd":900}}]""");
        try
        {
            var options = SampleAgentOptions.FromEnvironment(new Dictionary<string, string?> { ["AGENT_GATEWAY_URL"] = "http://127.0.0.1:1", ["SAMPLE_AGENT_TOOLS"] = file });

            var tool = Assert.Single(options.Tools);
            Assert.Equal(900, tool.ViolatingInput!["amount_usd"]!.GetValue<int>());
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Theory]
    [InlineData("SAMPLE_AGENT_ESCALATION_RATE", "1.5")]
    [InlineData("SAMPLE_AGENT_FAILURE_RATE", "lots")]
    [InlineData("SAMPLE_AGENT_MAX_RUNS", "-1")]
    [InlineData("SAMPLE_AGENT_MODE", "chaos")]
    [InlineData("SAMPLE_AGENT_TOOLS", "crm.lookup_order={not json")]
    public void FromEnvironment_rejects_a_bad_value_naming_the_variable(string name, string value)
    {
        var exception = Assert.Throws<FormatException>(() => SampleAgentOptions.FromEnvironment(new Dictionary<string, string?> { ["AGENT_GATEWAY_URL"] = "http://127.0.0.1:1", [name] = value }));

        Assert.Contains(name == "SAMPLE_AGENT_TOOLS" ? "crm.lookup_order" : name, exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromEnvironment_in_run_mode_requires_the_gateway_url()
    {
        var exception = Assert.Throws<FormatException>(() => SampleAgentOptions.FromEnvironment(new Dictionary<string, string?>()));

        Assert.Contains("AGENT_GATEWAY_URL", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromEnvironment_rejects_escalation_plus_failure_above_one()
    {
        Assert.Throws<FormatException>(() => SampleAgentOptions.FromEnvironment(new Dictionary<string, string?>
        {
            ["AGENT_GATEWAY_URL"] = "http://127.0.0.1:1",
            ["SAMPLE_AGENT_ESCALATION_RATE"] = "0.6",
            ["SAMPLE_AGENT_FAILURE_RATE"] = "0.5",
        }));
    }
}
