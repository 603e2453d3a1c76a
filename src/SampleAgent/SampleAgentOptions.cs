using System.Globalization;

namespace AgentOperator.SampleAgent;

/// <summary>
/// The sample agent's behaviour. Everything is deterministic for a seed: which runs escalate, fail or
/// violate policy depends only on the seed and the run's index, never on timing.
/// </summary>
public sealed record SampleAgentOptions
{
    /// <summary>Seed of every random choice. Env SAMPLE_AGENT_SEED, default 1.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Runs started per minute; 0 starts the next run as soon as one ends. Env SAMPLE_AGENT_TASKS_PER_MINUTE, default 6.</summary>
    public double TasksPerMinute { get; init; } = 6;

    /// <summary>Share of runs completed as escalated, 0..1. Env SAMPLE_AGENT_ESCALATION_RATE, default 0.</summary>
    public double EscalationRate { get; init; }

    /// <summary>Share of runs that make one policy-violating call, 0..1. Env SAMPLE_AGENT_VIOLATION_RATE, default 0.</summary>
    public double ViolationRate { get; init; }

    /// <summary>Share of runs completed as failed, 0..1; escalation + failure must not exceed 1. Env SAMPLE_AGENT_FAILURE_RATE, default 0.</summary>
    public double FailureRate { get; init; }

    /// <summary>max_tokens of every model call. Env SAMPLE_AGENT_TOKENS_PER_CALL, default 256.</summary>
    public int TokensPerCall { get; init; } = 256;

    /// <summary>Tools called in every run, in order. Env SAMPLE_AGENT_TOOLS (see <see cref="SampleToolList"/>), default none.</summary>
    public IReadOnlyList<SampleTool> Tools { get; init; } = [];

    /// <summary>Model roles called at the start of every run, in order. Env SAMPLE_AGENT_ROLES (comma list), default none.</summary>
    public IReadOnlyList<string> Roles { get; init; } = [];

    /// <summary>Runs before stopping; null runs until cancelled. Env SAMPLE_AGENT_MAX_RUNS.</summary>
    public int? MaxRuns { get; init; }

    /// <summary>Run or eval. Env SAMPLE_AGENT_MODE (run | eval), default run.</summary>
    public AgentMode Mode { get; init; } = AgentMode.Run;

    /// <summary>Share of eval tasks that pass, 0..1. Env SAMPLE_AGENT_EVAL_PASS_RATE, default 1.</summary>
    public double EvalPassRate { get; init; } = 1;

    /// <summary>Number of eval tasks. Env SAMPLE_AGENT_EVAL_TASKS, default 20.</summary>
    public int EvalTasks { get; init; } = 20;

    /// <summary>Name of the eval suite, put into every eval task's text. Env SAMPLE_AGENT_EVAL_SUITE, default none.</summary>
    public string? EvalSuite { get; init; }

    /// <summary>Where eval mode writes its pass ratio. Env SAMPLE_AGENT_TERMINATION_MESSAGE_PATH, default /dev/termination-log.</summary>
    public string TerminationMessagePath { get; init; } = "/dev/termination-log";

    /// <summary>Tool a violating run calls when no tool has a violating input: one outside the allowlist. Env SAMPLE_AGENT_FORBIDDEN_TOOL.</summary>
    public string ForbiddenTool { get; init; } = "sample.not_allowed";

    /// <summary>How often a call waiting for approval is retried. Env SAMPLE_AGENT_APPROVAL_POLL_SECONDS, default 2.</summary>
    public TimeSpan ApprovalPollInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How long a call waits for approval before the run is completed as escalated. Env SAMPLE_AGENT_APPROVAL_TIMEOUT_SECONDS, default 60.</summary>
    public TimeSpan ApprovalTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Runs in flight at once. Env SAMPLE_AGENT_CONCURRENCY, default 4.</summary>
    public int Concurrency { get; init; } = 4;

    /// <summary>The gateway's base URL; null in eval mode means the eval is simulated without a gateway. Env AGENT_GATEWAY_URL.</summary>
    public Uri? GatewayUrl { get; init; }

    /// <summary>Reads the options from environment variables.</summary>
    /// <exception cref="FormatException">a variable does not parse or is out of range; the message names it.</exception>
    public static SampleAgentOptions FromEnvironment(IReadOnlyDictionary<string, string?> environment)
    {
        string? Get(string name) => environment.TryGetValue(name, out var value) && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;

        double Rate(string name, double fallback)
        {
            var value = Get(name) is { } text ? ParseDouble(name, text) : fallback;
            return value is >= 0 and <= 1 ? value : throw new FormatException($"{name} must be between 0 and 1, not {value.ToString(CultureInfo.InvariantCulture)}");
        }

        int Int(string name, int fallback, int min)
        {
            if (Get(name) is not { } text)
            {
                return fallback;
            }

            return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= min
                ? value
                : throw new FormatException($"{name} must be an integer of at least {min}, not '{text}'");
        }

        var defaults = new SampleAgentOptions();
        var mode = Get("SAMPLE_AGENT_MODE")?.ToLowerInvariant() switch
        {
            null or "run" => AgentMode.Run,
            "eval" => AgentMode.Eval,
            var other => throw new FormatException($"SAMPLE_AGENT_MODE must be run or eval, not '{other}'"),
        };
        var tasksPerMinute = Get("SAMPLE_AGENT_TASKS_PER_MINUTE") is { } tpm ? ParseDouble("SAMPLE_AGENT_TASKS_PER_MINUTE", tpm) : defaults.TasksPerMinute;
        if (tasksPerMinute < 0)
        {
            throw new FormatException("SAMPLE_AGENT_TASKS_PER_MINUTE must not be negative");
        }

        Uri? gateway = null;
        if (Get("AGENT_GATEWAY_URL") is { } url && !Uri.TryCreate(url, UriKind.Absolute, out gateway))
        {
            throw new FormatException($"AGENT_GATEWAY_URL is not an absolute URL: '{url}'");
        }

        var options = new SampleAgentOptions
        {
            Seed = Int("SAMPLE_AGENT_SEED", defaults.Seed, int.MinValue),
            TasksPerMinute = tasksPerMinute,
            EscalationRate = Rate("SAMPLE_AGENT_ESCALATION_RATE", defaults.EscalationRate),
            ViolationRate = Rate("SAMPLE_AGENT_VIOLATION_RATE", defaults.ViolationRate),
            FailureRate = Rate("SAMPLE_AGENT_FAILURE_RATE", defaults.FailureRate),
            TokensPerCall = Int("SAMPLE_AGENT_TOKENS_PER_CALL", defaults.TokensPerCall, 1),
            Tools = Get("SAMPLE_AGENT_TOOLS") is { } tools ? SampleToolList.Parse(tools) : [],
            Roles = Get("SAMPLE_AGENT_ROLES") is { } roles ? [.. roles.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)] : [],
            MaxRuns = Get("SAMPLE_AGENT_MAX_RUNS") is null ? null : Int("SAMPLE_AGENT_MAX_RUNS", 0, 0),
            Mode = mode,
            EvalPassRate = Rate("SAMPLE_AGENT_EVAL_PASS_RATE", defaults.EvalPassRate),
            EvalTasks = Int("SAMPLE_AGENT_EVAL_TASKS", defaults.EvalTasks, 1),
            EvalSuite = Get("SAMPLE_AGENT_EVAL_SUITE"),
            TerminationMessagePath = Get("SAMPLE_AGENT_TERMINATION_MESSAGE_PATH") ?? defaults.TerminationMessagePath,
            ForbiddenTool = Get("SAMPLE_AGENT_FORBIDDEN_TOOL") ?? defaults.ForbiddenTool,
            ApprovalPollInterval = TimeSpan.FromSeconds(Int("SAMPLE_AGENT_APPROVAL_POLL_SECONDS", (int)defaults.ApprovalPollInterval.TotalSeconds, 1)),
            ApprovalTimeout = TimeSpan.FromSeconds(Int("SAMPLE_AGENT_APPROVAL_TIMEOUT_SECONDS", (int)defaults.ApprovalTimeout.TotalSeconds, 0)),
            Concurrency = Int("SAMPLE_AGENT_CONCURRENCY", defaults.Concurrency, 1),
            GatewayUrl = gateway,
        };
        options.Validate();
        return options;
    }

    /// <summary>Throws when the options contradict each other.</summary>
    public void Validate()
    {
        if (EscalationRate + FailureRate > 1 + 1e-9)
        {
            throw new FormatException("SAMPLE_AGENT_ESCALATION_RATE + SAMPLE_AGENT_FAILURE_RATE must not exceed 1");
        }

        if (Mode == AgentMode.Run && GatewayUrl is null)
        {
            throw new FormatException("AGENT_GATEWAY_URL is required in run mode");
        }
    }

    internal static double ParseDouble(string name, string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value)
            ? value
            : throw new FormatException($"{name} must be a number, not '{text}'");
}
