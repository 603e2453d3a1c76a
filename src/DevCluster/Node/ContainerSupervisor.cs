using System.ComponentModel;
using System.Globalization;
using System.Text.Json.Nodes;
using AgentOperator.DevCluster.Storage;

namespace AgentOperator.DevCluster.Node;

/// <summary>
/// One container of a pod through its runs, as the kubelet keeps it: creates it (environment, command, mounts), starts
/// it, probes it, records how each run ended (state, lastState, restartCount), restarts it by its restart policy with
/// the crash-loop back-off, and stops it with SIGTERM, then SIGKILL once the grace period is over.
/// </summary>
internal sealed class ContainerSupervisor(PodWorker pod, JsonObject spec, ContainerKind kind) : IDisposable
{
    private static readonly TimeSpan BackOffReset = TimeSpan.FromMinutes(10);
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _gate = new();
    private JsonObject _state = Waiting(kind == ContainerKind.Init ? "PodInitializing" : "ContainerCreating", null);
    private JsonObject? _lastState;
    private Task _loop = Task.CompletedTask;
    private TimeSpan _grace = TimeSpan.FromSeconds(30);
    private bool _ready;
    private string? _configError;

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

    /// <summary>Completes when the container has been started once (a sidecar's signal to go on), or has finished.</summary>
    public Task Started => _started.Task;

    /// <summary>Completes when the container has finished (will not run again) or was stopped.</summary>
    public Task Completion => _loop;

    /// <summary>The PID of the container's process while a run is going (what exec enters); null otherwise.</summary>
    public int? ProcessId { get; private set; }

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
                ["started"] = _state["running"] is not null,
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

            var workingDirectory = spec.Str("workingDir") ?? image?.WorkingDirectory ?? "/";
            Directory.CreateDirectory(workingDirectory);
            return new ContainerConfig(image, command, variables, workingDirectory, pod.Mounts(spec));
        }
        catch (ContainerConfigException e)
        {
            SetState(Waiting("CreateContainerConfigError", e.Message));

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
        ContainerProcess process;
        var started = pod.Now();
        try
        {
            process = ContainerProcess.Start(config.Command, config.WorkingDirectory, config.Environment, config.Mounts, LogPath(Attempt), pod.Time);
        }
        catch (Win32Exception e)
        {
            pod.Warning("Failed", $"Error: failed to start container \"{Name}\": {e.Message}");
            End(128, "StartError", $"failed to start container \"{Name}\": exec: \"{(config.Command.Count > 0 ? config.Command[0] : "")}\": {e.Message}", started);
            return 128;
        }

        using (process)
        {
            ProcessId = process.Id;
            lock (_gate)
            {
                _ready = spec["readinessProbe"] is null;
            }

            SetState(new JsonObject { ["running"] = new JsonObject { ["startedAt"] = started } });
            pod.Normal("Started", $"Started container {Name}");
            _started.TrySetResult();
            using var probing = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var probes = Task.WhenAll(ProbeAsync("readinessProbe", process, probing.Token), ProbeAsync("livenessProbe", process, probing.Token));
            var exited = await Task.WhenAny(process.Exited, Task.Delay(Timeout.Infinite, ct));
            if (exited != process.Exited)
            {
                // Stopping: SIGTERM, then SIGKILL once the grace period is over.
                pod.Normal("Killing", $"Stopping container {Name}");
                process.Terminate();
                if (await Task.WhenAny(process.Exited, Task.Delay(_grace, pod.Time, CancellationToken.None)) != process.Exited)
                {
                    process.Kill();
                }
            }

            var code = await process.Exited;
            ProcessId = null;
            await probing.CancelAsync();
            await probes;
            lock (_gate)
            {
                _ready = false;
            }

            End(code, code == 0 ? "Completed" : "Error", null, started);
            return code;
        }
    }

    // Readiness drives Ready; a liveness failure (failureThreshold in a row) kills the container, which then restarts by policy.
    private async Task ProbeAsync(string field, ContainerProcess process, CancellationToken ct)
    {
        if (spec[field] is not JsonObject definition)
        {
            return;
        }

        var probe = new ContainerProbe(definition, spec, pod.Http);
        int successes = 0, failures = 0;
        try
        {
            await Task.Delay(probe.InitialDelay, pod.Time, ct);
            while (!ct.IsCancellationRequested)
            {
                var failure = await probe.CheckAsync(process.Id, ct);
                (successes, failures) = failure is null ? (successes + 1, 0) : (0, failures + 1);
                if (failure is not null)
                {
                    pod.Warning("Unhealthy", $"{(field == "readinessProbe" ? "Readiness" : "Liveness")} probe failed: {failure}");
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
                    pod.Normal("Killing", $"Container {Name} failed liveness probe, will be restarted");
                    process.Terminate();
                    if (await Task.WhenAny(process.Exited, Task.Delay(_grace, pod.Time, ct)) != process.Exited)
                    {
                        process.Kill();
                    }

                    return;
                }

                await Task.Delay(probe.Period, pod.Time, ct);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

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
