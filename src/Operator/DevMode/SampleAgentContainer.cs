using System.Text.Json.Nodes;
using AgentOperator.Operator.Provisioning;
using AgentOperator.SampleAgent;

namespace AgentOperator.Operator.DevMode;

/// <summary>
/// Runs the sample-agent image in-process, as its entrypoint would: <see cref="SampleAgentOptions.FromEnvironment"/>
/// over the container's environment, talking to its pod's in-process gateway. Returns the container's
/// termination message (eval mode writes the pass ratio there), or null when it wrote none.
/// </summary>
internal static class SampleAgentContainer
{
    public const string DefaultTerminationMessagePath = "/dev/termination-log";

    public static async Task<string?> RunAsync(ClusterAccess cluster, PodManifest pod, JsonObject container, PodFilesystem files,
        IReadOnlyDictionary<int, Uri> gatewaysByDeclaredPort, TimeProvider time, CancellationToken cancellationToken)
    {
        var arguments = ContainerArguments.Parse(container);
        if (arguments.Command is not null)
        {
            // The image's entrypoint takes no argument for the agent (fake-model and fake-tools are not agents).
            throw new InvalidOperationException($"sample-agent: unknown command '{arguments.Command}': the agent is configured by SAMPLE_AGENT_* env (SAMPLE_AGENT_MODE=eval for an eval)");
        }

        var environment = await ContainerEnvironment.ResolveAsync(cluster.Admin, pod, container, cancellationToken);
        if (environment.GetValueOrDefault(GatewayPodLayout.AgentGatewayUrlEnv) is { } url
            && Uri.TryCreate(url, UriKind.Absolute, out var declared) && declared.IsLoopback
            && gatewaysByDeclaredPort.TryGetValue(declared.Port, out var actual))
        {
            // Ports are per pod in a cluster but shared by every in-process pod here: point at the port this pod's gateway really got.
            environment[GatewayPodLayout.AgentGatewayUrlEnv] = new UriBuilder(declared) { Port = actual.Port }.Uri.ToString();
        }

        var options = SampleAgentOptions.FromEnvironment(environment);
        var kubeletTerminationPath = files.HostPath(container, PodManifest.Text(container, "terminationMessagePath") ?? DefaultTerminationMessagePath);
        var agentTerminationPath = files.HostPath(container, options.TerminationMessagePath);
        Directory.CreateDirectory(Path.GetDirectoryName(agentTerminationPath)!);
        options = options with { TerminationMessagePath = agentTerminationPath };

        using var http = options.GatewayUrl is null ? null : new HttpClient { BaseAddress = new Uri(options.GatewayUrl.AbsoluteUri.TrimEnd('/') + "/"), Timeout = TimeSpan.FromSeconds(100) };
        await SampleAgentRunner.RunAsync(options, http, time, log: null, cancellationToken);
        return File.Exists(kubeletTerminationPath) ? (await File.ReadAllTextAsync(kubeletTerminationPath, cancellationToken)).Trim() : null;
    }
}
