using AgentOperator.Crds.Schema;

namespace AgentOperator.Crds.V1Alpha1;

/// <summary>The agent container.</summary>
public sealed record AgentRuntime
{
    /// <summary>Container image of the agent, ideally pinned by digest.</summary>
    [Required, Length(Min = 1, Max = 512)]
    public required string Image { get; init; }

    /// <summary>Number of agent pods of the stable revision.</summary>
    [Default(1), Minimum(0), Maximum(100)]
    public int Replicas { get; init; } = 1;

    /// <summary>Port the agent container listens on for its own work (tasks arrive through the Service).</summary>
    [Default(8080), Minimum(1), Maximum(65535)]
    public int Port { get; init; } = 8080;

    /// <summary>Entrypoint override.</summary>
    [Items(Max = 32)]
    public IReadOnlyList<string>? Command { get; init; }

    /// <summary>Arguments to the entrypoint.</summary>
    [Items(Max = 64)]
    public IReadOnlyList<string>? Args { get; init; }

    /// <summary>Environment variables of the agent container. Secrets never go here: tool credentials belong to the gateway.</summary>
    [Items(Max = 64)]
    [CelRule("self.all(e, self.exists_one(f, f.name == e.name))", Message = "env names must be unique")]
    public IReadOnlyList<EnvVar>? Env { get; init; }

    /// <summary>Compute resources of the agent container.</summary>
    public ResourceRequirements? Resources { get; init; }
}

/// <summary>One environment variable.</summary>
public sealed record EnvVar
{
    /// <summary>Variable name.</summary>
    [Required, Pattern("^[A-Za-z_][A-Za-z0-9_]*$"), Length(Max = 128)]
    public required string Name { get; init; }

    /// <summary>Variable value.</summary>
    [Length(Max = 4096)]
    public string? Value { get; init; }
}

/// <summary>Compute requests and limits, as quantities (e.g. cpu: 250m, memory: 256Mi).</summary>
public sealed record ResourceRequirements
{
    /// <summary>Minimum resources the scheduler reserves.</summary>
    public IReadOnlyDictionary<string, string>? Requests { get; init; }

    /// <summary>Maximum resources the container may use.</summary>
    public IReadOnlyDictionary<string, string>? Limits { get; init; }
}
