using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using AgentOperator.Operator.Tests.DevMode;

namespace AgentOperator.Operator.Tests.Contracts;

/// <summary>
/// The gateway image's program as the Dockerfile's <c>gateway</c> stage runs it: <c>dotnet publish</c> of
/// src/Gateway (Release, no apphost, as the Dockerfile publishes it) into a temporary folder, started with that
/// stage's ENTRYPOINT and ENV from its WORKDIR. Published once per test class; the folder is deleted afterwards.
/// </summary>
public sealed partial class PublishedGateway : IAsyncLifetime
{
    private static readonly TimeSpan PublishTimeout = TimeSpan.FromMinutes(12);

    /// <summary>The publish output (the image's /app).</summary>
    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("gateway-publish-").FullName;

    /// <summary>The gateway stage's ENTRYPOINT, e.g. <c>["dotnet", "AgentOperator.Gateway.dll"]</c>.</summary>
    public IReadOnlyList<string> Entrypoint { get; private set; } = [];

    /// <summary>The gateway stage's ENV.</summary>
    public IReadOnlyDictionary<string, string> ImageEnvironment { get; private set; } = new Dictionary<string, string>();

    public async Task InitializeAsync()
    {
        var root = DevModeExamples.Repository.Root;
        (Entrypoint, ImageEnvironment) = GatewayStage(await File.ReadAllTextAsync(Path.Combine(root, "Dockerfile")));
        var publish = await RunAsync("dotnet", ["publish", Path.Combine(root, "src", "Gateway", "Gateway.csproj"), "-c", "Release", "-o", Directory, "-p:UseAppHost=false", "-nologo"],
            root, null, PublishTimeout);
        Assert.True(publish.Code == 0, $"dotnet publish src/Gateway failed ({publish.Code}):\n{publish.Output}\n{publish.Error}");
        Assert.True(File.Exists(Path.Combine(Directory, Entrypoint[^1])), $"the ENTRYPOINT's {Entrypoint[^1]} is not in the publish output");
    }

    public Task DisposeAsync()
    {
        System.IO.Directory.Delete(Directory, recursive: true);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Starts the entrypoint with <paramref name="args"/> in the publish folder; <paramref name="environment"/> is the
    /// container's (the image's ENV, then the pod's), on top of this process's PATH and .NET variables. With
    /// <paramref name="wrapper"/>, the command line is appended to it (e.g. <c>unshare … sh -c … sh</c>).
    /// </summary>
    public RunningProcess Start(IReadOnlyList<string> args, IReadOnlyDictionary<string, string> environment, IReadOnlyList<string>? wrapper = null)
    {
        List<string> command = [.. wrapper ?? [], .. Entrypoint, .. args];
        var merged = new Dictionary<string, string>(ImageEnvironment, StringComparer.Ordinal);
        foreach (var (name, value) in environment)
        {
            merged[name] = value;
        }

        return RunningProcess.Start(command[0], command[1..], Directory, merged);
    }

    /// <summary>Runs a command to its end within <paramref name="timeout"/>.</summary>
    public static async Task<(int Code, string Output, string Error)> RunAsync(string file, IReadOnlyList<string> args, string workingDirectory,
        IReadOnlyDictionary<string, string>? environment, TimeSpan timeout)
    {
        await using var process = RunningProcess.Start(file, args, workingDirectory, environment);
        var code = await process.WaitForExitAsync(timeout);
        return (code, process.Output, process.Error);
    }

    // The stage "FROM … AS gateway" up to the next FROM: its ENTRYPOINT (exec form) and ENV KEY=VALUE lines.
    private static (IReadOnlyList<string> Entrypoint, IReadOnlyDictionary<string, string> Environment) GatewayStage(string dockerfile)
    {
        var lines = dockerfile.Split('\n').Select(l => l.Trim()).ToList();
        var start = lines.FindIndex(l => GatewayStageLine().IsMatch(l));
        Assert.True(start >= 0, "the Dockerfile has no 'FROM … AS gateway' stage");
        var stage = lines.Skip(start + 1).TakeWhile(l => !l.StartsWith("FROM ", StringComparison.OrdinalIgnoreCase)).ToList();
        var entrypoint = stage.Single(l => l.StartsWith("ENTRYPOINT ", StringComparison.Ordinal))["ENTRYPOINT ".Length..];
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in stage.Where(l => l.StartsWith("ENV ", StringComparison.Ordinal)))
        {
            foreach (Match pair in EnvPair().Matches(line["ENV ".Length..]))
            {
                environment[pair.Groups["key"].Value] = pair.Groups["quoted"].Success ? pair.Groups["quoted"].Value : pair.Groups["plain"].Value;
            }
        }

        return (JsonSerializer.Deserialize<string[]>(entrypoint)!, environment);
    }

    [GeneratedRegex(@"^FROM\s+\S+\s+AS\s+gateway$", RegexOptions.IgnoreCase)]
    private static partial Regex GatewayStageLine();

    [GeneratedRegex("""(?<key>[A-Za-z_][A-Za-z0-9_]*)=(?:"(?<quoted>[^"]*)"|(?<plain>\S*))""")]
    private static partial Regex EnvPair();
}

/// <summary>A started process with its output collected; disposing kills it if it still runs.</summary>
public sealed class RunningProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly StringBuilder _error = new();

    private RunningProcess(Process process)
    {
        _process = process;
    }

    public int Id => _process.Id;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public string Error
    {
        get
        {
            lock (_error)
            {
                return _error.ToString();
            }
        }
    }

    public bool HasExited => _process.HasExited;

    public static RunningProcess Start(string file, IReadOnlyList<string> args, string workingDirectory, IReadOnlyDictionary<string, string>? environment)
    {
        var info = new ProcessStartInfo(file) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        // Nothing of a cluster this test process may run in leaks into the child: it gets only what is given.
        foreach (var name in info.Environment.Keys.Where(k => k.StartsWith("KUBERNETES_", StringComparison.Ordinal) || k.StartsWith("AGENTOPERATOR_", StringComparison.Ordinal)).ToList())
        {
            info.Environment.Remove(name);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }

        var process = new Process { StartInfo = info };
        var running = new RunningProcess(process);
        process.OutputDataReceived += (_, e) => Append(running._output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(running._error, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return running;
    }

    /// <summary>Sends SIGTERM, as the kubelet does to stop a container.</summary>
    public async Task TerminateAsync()
    {
        var kill = await PublishedGateway.RunAsync("kill", ["-TERM", Id.ToString(System.Globalization.CultureInfo.InvariantCulture)], "/", null, TimeSpan.FromSeconds(10));
        Assert.Equal(0, kill.Code);
    }

    /// <summary>The exit code, or a failure naming the output when the process runs longer than <paramref name="timeout"/>.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"{_process.StartInfo.FileName} did not exit within {timeout.TotalSeconds} s:\n{Output}\n{Error}");
        }

        // The exit event can precede the last output lines; WaitForExit() without a timeout drains them.
        _process.WaitForExit();
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private static void Append(StringBuilder builder, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (builder)
        {
            builder.AppendLine(line);
        }
    }
}
