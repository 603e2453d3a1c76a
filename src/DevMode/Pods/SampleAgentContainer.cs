using System.Text.Json.Nodes;
using AgentOperator.Contracts;
using AgentOperator.SampleAgent;

namespace AgentOperator.DevMode.Pods;

/// <summary>
/// Runs the sample-agent image in-process, as its entrypoint would: <see cref="SampleAgentCommandLine.Parse"/>
/// over the container's args and environment, talking to its pod's in-process gateway. Returns the container's
/// termination message (eval mode writes the pass ratio there), or null when it wrote none.
/// </summary>
internal static class SampleAgentContainer
{
    public const string DefaultTerminationMessagePath = "/dev/termination-log";

    public static async Task<string?> RunAsync(ClusterAccess cluster, PodManifest pod, JsonObject container, PodFilesystem files,
        IReadOnlyDictionary<int, Uri> gatewaysByDeclaredPort, TimeProvider time, CancellationToken cancellationToken)
    {
        var environment = await ContainerEnvironment.ResolveAsync(cluster.Admin, pod, container, cancellationToken);
        if (environment.GetValueOrDefault(GatewayPodLayout.AgentGatewayUrlEnv) is { } url
            && Uri.TryCreate(url, UriKind.Absolute, out var declared) && declared.IsLoopback
            && gatewaysByDeclaredPort.TryGetValue(declared.Port, out var actual))
        {
            // Ports are per pod in a cluster but shared by every in-process pod here: point at the port this pod's gateway really got.
            environment[GatewayPodLayout.AgentGatewayUrlEnv] = new UriBuilder(declared) { Port = actual.Port }.Uri.ToString();
        }

        // As the image's entrypoint: no argument runs the agent by its env, "eval --cases=N ..." an eval (fake-model and fake-tools are not agents).
        var options = SampleAgentCommandLine.Parse(ContainerArguments.Raw(container), environment);
        var kubeletTerminationPath = files.HostPath(container, PodManifest.Text(container, "terminationMessagePath") ?? DefaultTerminationMessagePath);
        var agentTerminationPath = files.HostPath(container, options.TerminationMessagePath);
        Directory.CreateDirectory(Path.GetDirectoryName(agentTerminationPath)!);
        options = options with { TerminationMessagePath = agentTerminationPath };

        using var http = options.GatewayUrl is null ? null : new HttpClient { BaseAddress = new Uri(options.GatewayUrl.AbsoluteUri.TrimEnd('/') + "/"), Timeout = TimeSpan.FromSeconds(100) };
        await SampleAgentRunner.RunAsync(options, http, time, log: null, cancellationToken);
        return File.Exists(kubeletTerminationPath) ? (await File.ReadAllTextAsync(kubeletTerminationPath, cancellationToken)).Trim() : null;
    }
}
