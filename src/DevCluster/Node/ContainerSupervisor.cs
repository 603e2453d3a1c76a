using System.ComponentModel;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using AgentOperator.DevCluster.Storage;

namespace AgentOperator.DevCluster.Node;

/// <summary>
/// One container of a pod through its runs, as the kubelet keeps it: creates it (environment, command, sandbox, user),
/// starts it, runs its postStart hook, probes it (startup first, then readiness and liveness), records how each run ended
/// (state, lastState, restartCount, termination message), restarts it by its restart policy with the crash-loop
/// back-off, and stops it with its preStop hook and SIGTERM, then SIGKILL once the grace period is over.
/// </summary>
internal sealed class ContainerSupervisor(PodWorker pod, JsonObject spec, ContainerKind kind) : IDisposable
{
    private const UnixFileMode AllReadWrite = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite
        | UnixFileMode.OtherRead | UnixFileMode.OtherWrite;

    private static readonly TimeSpan BackOffReset = TimeSpan.FromMinutes(10);

    // The kubelet gives SIGTERM at least this long after a preStop hook took the grace period.
    private static readonly TimeSpan MinimumGracePeriod = TimeSpan.FromSeconds(2);
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _gate = new();
    private JsonObject _state = Waiting(kind == ContainerKind.Init ? "PodInitializing" : "ContainerCreating", null);
    private JsonObject? _lastState;
    private Task _loop = Task.CompletedTask;
    private TimeSpan _grace = TimeSpan.FromSeconds(30);
    private bool _ready;
    private bool _startupSucceeded;
    private string? _configError;
    private ContainerExecTarget? _exec;
    private Task? _kill;

    public string Name { get; } = spec.Str("name") ?? "";

    public ContainerKind Kind => kind;

    /// <summary>The number of the current (or last) run, counted from 0; -1 before the first.</summary>
    public int Attempt { get; private set; } = -1;

    /// <summary>Ended and will not be restarted.</summary>
    public bool Finished { get; private set; }

    /// <summary>The exit code of the last run that ended.</summary>
    public int? ExitCode { get; private set; }

    public bool Running
    {
        get
        {
            lock (_gate)
            {
                return _state["running"] is not null;
            }
        }
    }

    public bool Ready
    {
        get
        {
            lock (_gate)
            {
                return _ready && _state["running"] is not null;
            }
        }
    }

    /// <summary>How to start a process inside the container's current run (exec probes, hooks, <c>pods/exec</c>), or null when no process runs.</summary>
    public ContainerExecTarget? ExecTarget
    {
        get
        {
            lock (_gate)
            {
                return _exec;
            }
        }
    }

    /// <summary>
    /// Completes when the container has been started once (its postStart hook done and its startup probe passed: a
    /// sidecar's signal to go on), or has finished.
    /// </summary>
    public Task Started => _started.Task;

    /// <summary>Completes when the container has finished (will not run again) or was stopped.</summary>
    public Task Completion => _loop;

    /// <summary>Why the container is waiting, if it is.</summary>
    public string? WaitingReason
    {
        get
        {
            lock (_gate)
            {
                return _state.Str("waiting", "reason");
            }
        }
    }

    public string LogPath(int attempt) => Path.Combine(pod.LogDirectory, Name, attempt.ToString(CultureInfo.InvariantCulture) + ".log");

    public void Start() => _loop = Task.Run(RunAsync);

    /// <summary>Stops the container: SIGTERM, then SIGKILL after <paramref name="grace"/>; it is not restarted.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        _grace = grace;
        await _stop.CancelAsync();
        await _loop;
    }

    public void Dispose() => _stop.Dispose();

    /// <summary>The container's status as the kubelet reports it.</summary>
    public JsonObject Status()
    {
        lock (_gate)
        {
            var status = new JsonObject
            {
                ["name"] = Name,
                ["image"] = spec.Str("image"),
                ["imageID"] = "docker.io/" + spec.Str("image"),
                ["ready"] = _ready && _state["running"] is not null,
                ["restartCount"] = Math.Max(Attempt, 0),
                ["started"] = _startupSucceeded && _state["running"] is not null,
                ["state"] = _state.DeepClone(),
            };
            if (Attempt >= 0)
            {
                status["containerID"] = ContainerId(Attempt);
            }

            if (_lastState is not null)
            {
                status["lastState"] = _lastState.DeepClone();
            }

            return status;
        }
    }

    private string ContainerId(int attempt) => $"node://{pod.Uid}-{Name}-{attempt.ToString(CultureInfo.InvariantCulture)}";

    private async Task RunAsync()
    {
        var ct = _stop.Token;
        var failures = 0;
        try
        {
            while (!ct.IsCancellationRequested)
            {
                var config = Create();
                if (config is null)
                {
                    await Task.Delay(pod.Options.VolumeSyncPeriod, pod.Time, ct);
                    continue;
                }

                Attempt++;
                var began = pod.Time.GetUtcNow();
                var ended = config.Image is null ? await RunWithoutProcessAsync(ct) : await RunProcessAsync(config, ct);
                if (ended is null || ct.IsCancellationRequested)
                {
                    return;
                }

                if (!Restarts(ended.Value))
                {
                    Finished = true;
                    return;
                }

                // The kubelet restarts a crashed container at once the first time, then backs off 10 s, 20 s, … up to 5 min;
                // a run longer than 10 minutes starts the back-off over.
                failures = pod.Time.GetUtcNow() - began > BackOffReset ? 0 : failures + 1;
                if (failures > 1)
                {
                    var delay = TimeSpan.FromTicks(Math.Min(pod.Options.MaxBackOff.Ticks, pod.Options.InitialBackOff.Ticks << Math.Min(failures - 2, 20)));
                    SetState(Waiting("CrashLoopBackOff", $"back-off {Seconds(delay)} restarting failed container={Name} pod={pod.Name}_{pod.Namespace}({pod.Uid})"));
                    pod.Warning("BackOff", $"Back-off restarting failed container {Name} in pod {pod.Name}_{pod.Namespace}({pod.Uid})");
                    await Task.Delay(delay, pod.Time, ct);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            _started.TrySetResult();
        }
    }

    private static string Seconds(TimeSpan delay) => delay.TotalMinutes >= 1 && delay.Seconds == 0
        ? $"{(int)delay.TotalMinutes}m0s"
        : delay.TotalMinutes >= 1 ? $"{(int)delay.TotalMinutes}m{delay.Seconds}s" : $"{(int)delay.TotalSeconds}s";

    // Restart policy: sidecars always; ordinary init containers until they succeed (unless the pod's policy is Never);
    // regular containers by the pod's policy.
    private bool Restarts(int exitCode) => kind switch
    {
        ContainerKind.Sidecar => true,
        ContainerKind.Init => exitCode != 0 && pod.RestartPolicy != "Never",
        _ => pod.RestartPolicy == "Always" || (pod.RestartPolicy == "OnFailure" && exitCode != 0),
    };

    // The environment, command line, working directory and mounts of the next run, or null (waiting) when a reference is missing.
    private ContainerConfig? Create()
    {
        var image = pod.Images.Resolve(spec.Str("image") ?? "");
        try
        {
            var environment = pod.Environment(spec);
            var command = image is null ? [] : Command(image, environment);
            var variables = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["PATH"] = Environment.GetEnvironmentVariable("PATH") ?? "/usr/local/bin:/usr/bin:/bin",
                ["HOSTNAME"] = pod.Name,
            };
            foreach (var (name, value) in (image?.Environment ?? new Dictionary<string, string>()).Concat(environment))
            {
                variables[name] = value;
            }

            if (image is null)
            {
                return new ContainerConfig(null, command, variables, null);
            }

            var identity = ContainerIdentity.Resolve(pod.Object, spec, image);
            variables.TryAdd("HOME", identity.Home);
            var sandbox = new ContainerSandbox(image, spec.Str("workingDir") ?? image.WorkingDirectory, pod.Mounts(spec), identity,
                spec.Bool("securityContext", "readOnlyRootFilesystem") == true, Path.Combine(pod.PodDirectory, "containers", Name));
            return new ContainerConfig(image, command, variables, sandbox);
        }
        catch (ContainerConfigException e)
        {
            SetState(Waiting(e.Reason, e.Message));

            // One Event per distinct error, not one per retry.
            if (e.Message != _configError)
            {
                _configError = e.Message;
                pod.Warning("Failed", "Error: " + e.Message);
            }

            return null;
        }
    }

    // Kubernetes semantics: command replaces the ENTRYPOINT (and drops CMD), args replace CMD; $(VAR) expands in both.
    private List<string> Command(NodeImage image, IReadOnlyDictionary<string, string> environment)
    {
        var command = Strings(spec["command"]);
        var args = Strings(spec["args"]);
        List<string> line = command is not null ? [.. command, .. args ?? []] : [.. image.Entrypoint, .. args ?? image.Cmd];
        return line.Select(part => VariableExpansion.Expand(part, environment)).ToList();
    }

    private static List<string>? Strings(JsonNode? node) => node is JsonArray a ? a.Select(x => x?.ToString() ?? "").ToList() : null;

    // KWOK-style: an image the node does not hold runs no process; a run-to-completion container completes at once.
    private async Task<int?> RunWithoutProcessAsync(CancellationToken ct)
    {
        var started = pod.Now();
        lock (_gate)
        {
            _ready = true;
            _startupSucceeded = true;
        }

        SetState(new JsonObject { ["running"] = new JsonObject { ["startedAt"] = started } });
        pod.Normal("Started", $"Started container {Name} (image {spec.Str("image")} is not in the node's image map: no process runs)");
        _started.TrySetResult();
        if ((kind == ContainerKind.Regular && pod.RestartPolicy == "Always") || kind == ContainerKind.Sidecar)
        {
            await Task.Delay(Timeout.Infinite, ct).ContinueWith(_ => { }, TaskScheduler.Default);
        }

        End(0, "Completed", $"image {spec.Str("image")} is not in the node's image map: no process ran", started);
        return ct.IsCancellationRequested ? null : 0;
    }

    private async Task<int?> RunProcessAsync(ContainerConfig config, CancellationToken ct)
    {
        // As the kubelet: a fresh world-writable file per run, bound at terminationMessagePath and read when the run ends.
        var sandbox = config.Sandbox!;
        Directory.CreateDirectory(sandbox.StateDirectory);
        var terminationLog = Path.Combine(sandbox.StateDirectory, "termination-log-" + Attempt.ToString(CultureInfo.InvariantCulture));
        File.WriteAllBytes(terminationLog, []);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(terminationLog, AllReadWrite);
        }

        sandbox = sandbox with
        {
            Mounts = [.. sandbox.Mounts, new BindMount(terminationLog, spec.Str("terminationMessagePath") ?? "/dev/termination-log", false)],
            NetworkNamespace = pod.NetworkNamespace,
        };

        ContainerProcess process;
        var started = pod.Now();
        try
        {
            process = ContainerProcess.Start(sandbox.LaunchLine(config.Command), sandbox.StartedMarker, config.Environment, LogPath(Attempt), pod.Time);
        }
        catch (Win32Exception e)
        {
            return StartError(e.Message, started);
        }

        using (process)
        {
            // Running from when the sandbox is set up and the command executes, as a runtime reports it.
            if (!await process.Started.WaitAsync(ct).ContinueWith(t => t.IsCompletedSuccessfully && t.Result, TaskScheduler.Default))
            {
                if (ct.IsCancellationRequested)
                {
                    process.Kill();
                    return null;
                }

                await process.Exited;
                return StartError(process.LastError ?? "the container's sandbox could not be set up", started);
            }

            started = pod.Now();
            var target = new ContainerExecTarget(process.Id, sandbox.Identity, config.Environment, sandbox.WorkingDirectory, sandbox.NetworkNamespace);
            lock (_gate)
            {
                _exec = target;
                _kill = null;
                _ready = false;
                _startupSucceeded = false;
            }

            pod.Normal("Started", $"Started container {Name}");

            // postStart runs before the container counts as running (and before the next one starts); its failure kills it.
            var hookFailure = await PostStartAsync(target, ct);
            using var probing = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var probes = Task.CompletedTask;
            if (hookFailure is not null)
            {
                pod.Warning("FailedPostStartHook", "PostStartHook failed");
                await KillAsync(process, target, "FailedPostStartHook", pod.GracePeriod());
            }
            else if (!ct.IsCancellationRequested)
            {
                lock (_gate)
                {
                    _startupSucceeded = spec["startupProbe"] is null;
                    _ready = _startupSucceeded && spec["readinessProbe"] is null;
                }

                SetState(new JsonObject { ["running"] = new JsonObject { ["startedAt"] = started } });
                if (spec["startupProbe"] is null)
                {
                    _started.TrySetResult();
                }

                probes = ProbeAsync(process, target, probing.Token);
            }

            var exited = await Task.WhenAny(process.Exited, Task.Delay(Timeout.Infinite, ct));
            if (exited != process.Exited)
            {
                await KillAsync(process, target, $"Stopping container {Name}", _grace);
            }

            var code = await process.Exited;
            await probing.CancelAsync();
            await probes;
            lock (_gate)
            {
                _exec = null;
                _ready = false;
            }

            End(code, code == 0 ? "Completed" : "Error", TerminationMessage(terminationLog, code), started);
            if (hookFailure is not null && Restarts(code))
            {
                SetState(Waiting("PostStartHookError", hookFailure));
            }

            return code;
        }
    }

    private int StartError(string error, string started)
    {
        pod.Warning("Failed", $"Error: failed to start container \"{Name}\": {error}");
        End(128, "StartError", $"failed to start container \"{Name}\": {error}", started);
        return 128;
    }

    private async Task<string?> PostStartAsync(ContainerExecTarget target, CancellationToken ct)
    {
        if (spec.At("lifecycle", "postStart") is not JsonObject handler)
        {
            return null;
        }

        try
        {
            return await new LifecycleHook(handler, spec, pod.Http, pod.PodIp).RunAsync(target, pod.Description, ct);
        }
        catch (OperationCanceledException)
        {
            // The pod is being stopped: the container is killed as any other.
            return null;
        }
        catch (Win32Exception e)
        {
            return e.Message;
        }
    }

    // Stops the run as the kubelet's killContainer does: the Killing Event, the preStop hook within the grace period,
    // SIGTERM, then SIGKILL once what is left of the grace period (at least 2 s) is over. Once per run, whoever asks first.
    private Task KillAsync(ContainerProcess process, ContainerExecTarget target, string message, TimeSpan grace)
    {
        lock (_gate)
        {
            return _kill ??= Task.Run(async () =>
            {
                pod.Normal("Killing", message);
                var deadline = pod.Time.GetUtcNow() + grace;
                if (spec.At("lifecycle", "preStop") is JsonObject preStop && grace > TimeSpan.Zero)
                {
                    await PreStopAsync(preStop, target, grace);
                }

                var left = deadline - pod.Time.GetUtcNow();
                process.Terminate();
                if (await Task.WhenAny(process.Exited, Task.Delay(left > MinimumGracePeriod ? left : MinimumGracePeriod, pod.Time)) != process.Exited)
                {
                    process.Kill();
                }
            });
        }
    }

    private async Task PreStopAsync(JsonObject handler, ContainerExecTarget target, TimeSpan grace)
    {
        using var timeout = new CancellationTokenSource(grace, pod.Time);
        try
        {
            if (await new LifecycleHook(handler, spec, pod.Http, pod.PodIp).RunAsync(target, pod.Description, timeout.Token) is not null)
            {
                // As the kubelet: the Event leaves the hook's output out, so no secret leaks into it.
                pod.Warning("FailedPreStopHook", "PreStopHook failed");
            }
        }
        catch (OperationCanceledException)
        {
            // Not done within the grace period: the container is stopped anyway.
        }
        catch (Win32Exception)
        {
            pod.Warning("FailedPreStopHook", "PreStopHook failed");
        }
    }

    // The startup probe first; readiness and liveness once it has succeeded.
    private async Task ProbeAsync(ContainerProcess process, ContainerExecTarget target, CancellationToken ct)
    {
        if (await ProbeAsync("startupProbe", process, target, ct))
        {
            await Task.WhenAll(ProbeAsync("readinessProbe", process, target, ct), ProbeAsync("livenessProbe", process, target, ct));
        }
    }

    // Startup succeeds once and stops; readiness drives Ready; startup and liveness failures (failureThreshold in a row)
    // kill the container, which then restarts by policy. True when the probe is absent or succeeded (startup).
    private async Task<bool> ProbeAsync(string field, ContainerProcess process, ContainerExecTarget target, CancellationToken ct)
    {
        if (spec[field] is not JsonObject definition)
        {
            return true;
        }

        var probe = new ContainerProbe(definition, spec, pod.Http, pod.PodIp);
        var kind = field switch { "startupProbe" => "Startup", "readinessProbe" => "Readiness", _ => "Liveness" };
        int successes = 0, failures = 0;
        try
        {
            await Task.Delay(probe.InitialDelay, pod.Time, ct);
            while (!ct.IsCancellationRequested)
            {
                var failure = await probe.CheckAsync(target, ct);
                (successes, failures) = failure is null ? (successes + 1, 0) : (0, failures + 1);
                if (failure is not null)
                {
                    pod.Warning("Unhealthy", $"{kind} probe failed: {failure}");
                }

                if (field == "startupProbe" && failure is null)
                {
                    lock (_gate)
                    {
                        _startupSucceeded = true;
                        _ready = spec["readinessProbe"] is null;
                    }

                    pod.StatusChanged();
                    _started.TrySetResult();
                    return true;
                }

                if (field == "readinessProbe")
                {
                    bool changed;
                    lock (_gate)
                    {
                        var ready = successes >= probe.SuccessThreshold || (_ready && failures < probe.FailureThreshold);
                        changed = ready != _ready;
                        _ready = ready;
                    }

                    if (changed)
                    {
                        pod.StatusChanged();
                    }
                }
                else if (failures >= probe.FailureThreshold)
                {
                    await KillAsync(process, target, $"Container {Name} failed {kind.ToLowerInvariant()} probe, will be restarted", probe.TerminationGracePeriod ?? pod.GracePeriod());
                    return false;
                }

                await Task.Delay(probe.Period, pod.Time, ct);
            }
        }
        catch (OperationCanceledException)
        {
        }

        return false;
    }

    // The kubelet's termination message: the last 4096 bytes of the file; with FallbackToLogsOnError and a failed run
    // that left it empty, the last 80 lines of the run's log, at most their last 2048 bytes.
    private string? TerminationMessage(string file, int code)
    {
        var message = Tail(File.ReadAllBytes(file), 4096);
        if (message.Length == 0 && code != 0 && spec.Str("terminationMessagePolicy") == "FallbackToLogsOnError" && File.Exists(LogPath(Attempt)))
        {
            var lines = File.ReadLines(LogPath(Attempt)).Select(ContainerLogLine.Parse).OfType<ContainerLogLine>().TakeLast(80);
            message = Tail(Encoding.UTF8.GetBytes(string.Concat(lines.Select(l => l.Text + "\n"))), 2048);
        }

        return message.Length == 0 ? null : message;
    }

    private static string Tail(byte[] bytes, int max) => Encoding.UTF8.GetString(bytes.AsSpan(Math.Max(0, bytes.Length - max)));

    private void End(int code, string reason, string? message, string started)
    {
        ExitCode = code;
        var terminated = new JsonObject
        {
            ["exitCode"] = code,
            ["reason"] = reason,
            ["startedAt"] = started,
            ["finishedAt"] = pod.Now(),
            ["containerID"] = ContainerId(Attempt),
        };
        if (message is not null)
        {
            terminated["message"] = message;
        }

        lock (_gate)
        {
            _lastState = _state["terminated"] is not null ? _state : _lastState;
            _state = new JsonObject { ["terminated"] = terminated };
        }

        pod.StatusChanged();
    }

    private void SetState(JsonObject state)
    {
        lock (_gate)
        {
            // A run that ended becomes lastState when the container waits to run again.
            if (_state["terminated"] is not null && state["terminated"] is null)
            {
                _lastState = _state;
            }

            _state = state;
        }

        pod.StatusChanged();
    }

    private static JsonObject Waiting(string reason, string? message)
    {
        var waiting = new JsonObject { ["reason"] = reason };
        if (message is not null)
        {
            waiting["message"] = message;
        }

        return new JsonObject { ["waiting"] = waiting };
    }
}
