using System.Diagnostics;
using System.Globalization;
using AgentOperator.Operator.Tests.Contracts;
using AgentOperator.Operator.Tests.DevMode;
using AgentOperator.Operator.Tests.Fixtures;

namespace AgentOperator.Operator.Tests.Journeys;

/// <summary>
/// Dev mode as a user starts it: the built AgentOperator.DevMode program as its own process (published images, config/default
/// installed with kubectl, examples applied), started once for the journeys and stopped with SIGTERM, as Ctrl+C would.
/// </summary>
public sealed class DevModeJourneyFixture : IAsyncLifetime
{
    private static readonly TimeSpan ReadyBound = TimeSpan.FromSeconds(420);
    private static readonly TimeSpan ExitBound = TimeSpan.FromSeconds(60);
    private static readonly string[] Examples = ["support-refund", "support-triage"];

    private readonly string _directory = Directory.CreateTempSubdirectory("agentoperator-journeys-").FullName;
    private RunningProcess? _devMode;

    /// <summary>The admin kubeconfig dev mode wrote, as the README tells a user to use it.</summary>
    public string Kubeconfig => Path.Combine(_directory, "kubeconfig");

    /// <summary>A scratch directory removed on dispose (kubeconfigs of other users, for instance).</summary>
    public string ScratchDirectory => _directory;

    /// <summary>From starting the program to both examples Ready, as <c>kubectl get aw</c> shows them.</summary>
    public TimeSpan TimeToReady { get; private set; }

    /// <summary>What the program printed so far: appended to failure messages.</summary>
    public string ProgramOutput => _devMode is null ? "" : $"--- dev mode stdout (tail) ---\n{Tail(_devMode.Output)}\n--- stderr (tail) ---\n{Tail(_devMode.Error)}";

    public async Task InitializeAsync()
    {
        var port = FreePort.Pick();
        var program = Path.Combine(AppContext.BaseDirectory, "AgentOperator.DevMode.dll");
        var clock = Stopwatch.StartNew();
        _devMode = RunningProcess.Start("dotnet", [program, "--kubeconfig", Kubeconfig, "--port", port.ToString(CultureInfo.InvariantCulture), "--no-ui", "--image-cache", NodeCluster.ImageCache],
            DevModeExamples.Repository.Root, null);
        await BoundedWait.UntilAsync(() => Task.FromResult(File.Exists(Kubeconfig) || _devMode.HasExited), done => done, ReadyBound,
            _ => $"dev mode wrote no kubeconfig to {Kubeconfig}\n{ProgramOutput}");
        Assert.False(_devMode.HasExited, $"dev mode exited early\n{ProgramOutput}");

        await BoundedWait.UntilAsync(ReadyWorkflowsAsync, ready => ready.Count == Examples.Length || _devMode.HasExited, ReadyBound,
            ready => $"expected {string.Join(" and ", Examples)} Ready in `kubectl get aw -n support`, saw Ready [{string.Join(", ", ready)}]\n{ProgramOutput}");
        Assert.False(_devMode.HasExited, $"dev mode exited before the examples were Ready\n{ProgramOutput}");
        TimeToReady = clock.Elapsed;
    }

    public async Task DisposeAsync()
    {
        if (_devMode is not null)
        {
            if (!_devMode.HasExited)
            {
                await _devMode.TerminateAsync();
                await _devMode.WaitForExitAsync(ExitBound);
            }

            await _devMode.DisposeAsync();
        }

        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>The examples whose Ready condition is True, as kubectl reports them.</summary>
    private async Task<IReadOnlyList<string>> ReadyWorkflowsAsync()
    {
        var result = await Kubectl.TryRunAsync(Kubeconfig, "get", "aw", "-n", "support",
            "-o", """jsonpath={range .items[*]}{.metadata.name}={.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}""");
        return result.ExitCode != 0
            ? []
            : [.. result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.EndsWith("=True", StringComparison.Ordinal)).Select(l => l[..l.IndexOf('=', StringComparison.Ordinal)])];
    }

    private static string Tail(string text) => text.Length <= 4000 ? text : text[^4000..];
}
