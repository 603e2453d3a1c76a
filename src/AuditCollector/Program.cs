using AgentOperator.AuditCollector.Hosting;
using AgentOperator.Contracts;
using k8s;

try
{
    var arguments = CollectorArguments.Parse(args);
    var configuration = arguments.Kubeconfig is { } kubeconfig
        ? KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig)
        : KubernetesClientConfiguration.InClusterConfig();
    using var kubernetes = new Kubernetes(configuration);
    await using var collector = await CollectorHost.StartAsync(arguments.Options, kubernetes);
    await Console.Error.WriteLineAsync($"audit collector: API {collector.Address} · store {arguments.Options.DataDirectory}");
    await collector.WaitForShutdownAsync(CancellationToken.None);
    return 0;
}
catch (UsageException exception)
{
    await Console.Error.WriteLineAsync($"error: {exception.Message}\n{CollectorArguments.Usage}");
    return 2;
}
catch (Exception exception) when (exception is IOException or InvalidOperationException or UnauthorizedAccessException or k8s.Exceptions.KubeConfigException)
{
    await Console.Error.WriteLineAsync($"error: {exception.Message}");
    return 1;
}
