using System.Reflection;
using AgentOperator.Operator.Hosting;
using AgentOperator.Operator.Tests.Contracts;
using AgentOperator.Operator.Tests.DevMode;

namespace AgentOperator.Operator.Tests.Hosting;

/// <summary>
/// What the operator image carries: src/Operator's publish output, laid out from this test run's build of it
/// (<c>--no-build</c>, the configuration these tests were built in, no apphost as the Dockerfile publishes), so
/// stale files of earlier builds in bin/ cannot hide or fake a reference.
/// </summary>
public sealed class OperatorBuildOutputTests : IAsyncLifetime
{
    private static readonly TimeSpan PublishTimeout = TimeSpan.FromMinutes(5);

    // Dev mode's parts: its embedded cluster, the gateway and sample agent it runs in-process, and its live view.
    private static readonly string[] DevModeAssemblies = ["AgentOperator.DevMode", "AgentOperator.DevCluster", "AgentOperator.Gateway", "AgentOperator.SampleAgent", "Spectre.Console"];

    private readonly string _output = Directory.CreateTempSubdirectory("operator-publish-").FullName;

    public async Task InitializeAsync()
    {
        var configuration = typeof(OperatorBuildOutputTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        var root = DevModeExamples.Repository.Root;
        var publish = await PublishedGateway.RunAsync("dotnet",
            ["publish", Path.Combine(root, "src", "Operator", "Operator.csproj"), "-c", configuration, "--no-build", "-o", _output, "-p:UseAppHost=false", "-nologo"],
            root, null, PublishTimeout);
        Assert.True(publish.Code == 0, $"dotnet publish src/Operator failed ({publish.Code}):\n{publish.Output}\n{publish.Error}");
    }

    public Task DisposeAsync()
    {
        Directory.Delete(_output, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public void The_operator_build_carries_none_of_dev_modes_assemblies()
    {
        var files = Directory.GetFiles(_output).Select(Path.GetFileName).OfType<string>().ToList();

        Assert.Contains("AgentOperator.Operator.dll", files);
        Assert.Contains("AgentOperator.Policy.dll", files);
        var carried = files.Where(f => DevModeAssemblies.Any(a => f.StartsWith(a + ".", StringComparison.Ordinal))).ToList();
        Assert.True(carried.Count == 0, $"the operator's publish output carries dev mode's {string.Join(", ", carried)}");
        var dependencies = File.ReadAllText(Path.Combine(_output, "AgentOperator.Operator.deps.json"));
        Assert.All(DevModeAssemblies, a => Assert.DoesNotContain($"\"{a}/", dependencies, StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_published_operator_refuses_dev_and_names_the_command_that_runs_dev_mode()
    {
        await using var process = RunningProcess.Start("dotnet", ["AgentOperator.Operator.dll", "dev", "--no-ui"], _output, null);

        Assert.Equal(2, await process.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains(OperatorCommandLine.DevModeMoved, process.Error, StringComparison.Ordinal);
        Assert.Contains("dotnet run --project src/DevMode", process.Error, StringComparison.Ordinal);
    }
}
