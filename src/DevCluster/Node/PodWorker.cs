using System.Text.Json.Nodes;
using AgentOperator.DevCluster.Api;
using AgentOperator.DevCluster.Storage;

namespace AgentOperator.DevCluster.Node;

/// <summary>
/// One pod on the node, as the kubelet's pod worker runs it: mounts its volumes (waiting with FailedMount Events while
/// a ConfigMap, Secret or ServiceAccount is missing) and keeps them in sync, creates its sandbox (network namespace,
/// address, hosts and resolv.conf; retried with FailedCreatePodSandBox Events), runs the init containers in order (native
/// sidecars started and kept running), then the containers, reports the pod's status from theirs, and stops them
/// gracefully when the pod is deleted.
/// </summary>
internal sealed class PodWorker
{
    private static readonly GroupResource Pods = new("", "pods");
    private readonly KubeletNode _node;
    private readonly JsonObject _pod;
    private readonly PodVolumes _volumes;
    private readonly List<ContainerSupervisor> _init;
    private readonly List<ContainerSupervisor> _containers;
    private readonly Lock _statusGate = new();
    private readonly Dictionary<string, (bool Status, string Time)> _conditions = new(StringComparer.Ordinal);
    private readonly string _startTime;
    private DateTimeOffset _lastFailedMountEvent = DateTimeOffset.MinValue;
    private PodSandbox? _sandbox;
    private PodNetworkFiles? _networkFiles;
    private string? _sandboxError;
    private string? _lastStatus;
    private bool _mounted;
    private bool _initialized;
    private bool _initFailed;

    public PodWorker(KubeletNode node, JsonObject pod)
    {
        _node = node;
        _pod = pod;
        Namespace = pod.Str("metadata", "namespace") ?? "";
        Name = pod.Str("metadata", "name") ?? "";
        Uid = pod.Str("metadata", "uid") ?? "";
        RestartPolicy = pod.Str("spec", "restartPolicy") ?? "Always";
        LogDirectory = Path.Combine(node.Directory, "logs", $"{Namespace}_{Name}_{Uid}");
        _volumes = new PodVolumes(Path.Combine(node.Directory, "pods", Uid, "volumes"), pod, node.Objects, node.RequestToken, node.Time);
        _init = (pod.At("spec", "initContainers") as JsonArray ?? []).OfType<JsonObject>()
            .Select(c => new ContainerSupervisor(this, c, c.Str("restartPolicy") == "Always" ? ContainerKind.Sidecar : ContainerKind.Init)).ToList();
        _containers = (pod.At("spec", "containers") as JsonArray ?? []).OfType<JsonObject>().Select(c => new ContainerSupervisor(this, c, ContainerKind.Regular)).ToList();
        _startTime = Now();
    }

    public string Namespace { get; }

    public string Name { get; }

    public string Uid { get; }

    public string RestartPolicy { get; }

    /// <summary>Where the containers' log files are: <c>CONTAINER/ATTEMPT.log</c>.</summary>
    public string LogDirectory { get; }

    /// <summary>The pod's folder on the node (its volumes, its containers' state), removed with the pod.</summary>
    public string PodDirectory => Path.Combine(_node.Directory, "pods", Uid);

    /// <summary>The pod as it was scheduled.</summary>
    public JsonObject Object => _pod;

    /// <summary>The pod as the kubelet names it in messages: <c>name_namespace(uid)</c>.</summary>
    public string Description => $"{Name}_{Namespace}({Uid})";

    public NodeOptions Options => _node.Options;

    public TimeProvider Time => _node.Time;

    public NodeImageMap Images => _node.Options.Images;

    public HttpClient Http => _node.Http;

    /// <summary>The pod's address once its sandbox exists (the node's for a hostNetwork pod or without pod networks).</summary>
    public string PodIp { get; private set; } = "";

    /// <summary>The pod's network namespace (for <c>nsenter --net=</c>), null when it has none.</summary>
    public string? NetworkNamespace => _sandbox?.Path;

    /// <summary>Whether the pod runs in the node's network (hostNetwork, or a node without pod networks) and so has no namespace of its own.</summary>
    public bool UsesNodeNetwork => _node.Network is null || _pod.Bool("spec", "hostNetwork") == true;

    /// <summary>The pod's containers, init containers first, by name.</summary>
    public ContainerSupervisor? Container(string name) => _init.Concat(_containers).FirstOrDefault(c => c.Name == name);

    public string Now() => _node.Ops.Now();

    public void Normal(string reason, string message) => _node.Kubelet.Normal(_pod, reason, message);

    public void Warning(string reason, string message) => _node.Kubelet.Warning(_pod, reason, message);

    /// <summary>The container's environment, resolved from the pod as it is now (labels and annotations may have changed).</summary>
    public Dictionary<string, string> Environment(JsonObject container)
    {
        var current = _node.Ops.Store.Get(Pods, Namespace, Name) is { } stored ? JsonNodeExtensions.ParseObject(stored.Json) : _pod;
        return _node.Objects.Resolve(current, container, _node.ServiceVariables());
    }

    /// <summary>The container's volumeMounts as bind mounts of the pod's volume folders (subPath inside them).</summary>
    public List<BindMount> Mounts(JsonObject container)
    {
        var mounts = (container["volumeMounts"] as JsonArray ?? []).OfType<JsonObject>().Select(m =>
        {
            var volume = m.Str("name") ?? "";
            var source = _volumes.Paths.GetValueOrDefault(volume) ?? throw new ContainerConfigException($"volume \"{volume}\" is not defined by the pod");
            var subPath = m.Str("subPath");
            return new BindMount(string.IsNullOrEmpty(subPath) ? source : Path.Combine(source, subPath), m.Str("mountPath") ?? "/", m.Bool("readOnly") == true || _volumes.ReadOnly.Contains(volume));
        }).ToList();

        // The node's hosts and resolv.conf, unless the container mounts its own there.
        mounts.AddRange((_networkFiles?.Mounts ?? []).Where(file => mounts.All(m => m.Target != file.Target)));
        if (_node.TrustBundle is { } bundle && mounts.All(m => m.Target != bundle.Target))
        {
            mounts.Add(bundle);
        }

        return mounts;
    }

    public async Task RunAsync(CancellationToken ct)
    {
        StatusChanged();
        try
        {
            await MountAsync(ct);
            await CreateSandboxAsync(ct);
            _mounted = true;
            StatusChanged();
            _ = Task.Run(() => SyncVolumesAsync(ct), CancellationToken.None);
            foreach (var container in _init)
            {
                container.Start();
                await (container.Kind == ContainerKind.Sidecar ? container.Started : container.Completion).WaitAsync(ct);
                if (container.Kind == ContainerKind.Init && container.ExitCode != 0)
                {
                    // Only a pod with restartPolicy Never gets here: its failed init container fails the pod.
                    _initFailed = true;
                    StatusChanged();
                    await Task.Delay(Timeout.Infinite, ct);
                }
            }

            _initialized = true;
            foreach (var container in _containers)
            {
                container.Start();
            }

            StatusChanged();
            await Task.WhenAll(_containers.Select(c => c.Completion)).WaitAsync(ct);

            // Run-to-completion pods: the sidecars are stopped once the containers have ended.
            await Task.WhenAll(_init.Select(c => c.StopAsync(GracePeriod())));
            StatusChanged();
        }
        catch (OperationCanceledException)
        {
            await StopAsync();
        }
        finally
        {
            foreach (var container in _init.Concat(_containers))
            {
                container.Dispose();
            }

            // The pod has ended or is gone: its network goes (its status keeps the address, as the kubelet's does).
            if (_sandbox is not null)
            {
                await _sandbox.DisposeAsync();
            }

            if (ct.IsCancellationRequested)
            {
                RemoveVolumes();
            }
        }
    }

    // The pod's own network, retried while it cannot be set up (the kubelet's FailedCreatePodSandBox, one Event per distinct error).
    private async Task CreateSandboxAsync(CancellationToken ct)
    {
        if (UsesNodeNetwork || _node.Network is not { } network)
        {
            PodIp = _node.HostIp;
            return;
        }

        for (var attempt = 0; ; attempt++)
        {
            try
            {
                // After a failure the node's bridge is checked (and made again if something removed it), as the bridge CNI plugin does.
                if (attempt > 0)
                {
                    await network.EnsureBridgeAsync(ct);
                }

                _sandbox = await network.CreateSandboxAsync(ct);
                _networkFiles = new PodNetworkFiles(Path.Combine(_node.Directory, "pods", Uid));
                _networkFiles.Write(_pod, _sandbox.PodIp, _node.Dns?.Address);
                PodIp = _sandbox.PodIp.ToString();
                return;
            }
            catch (Exception e) when (e is NetworkSetupException or IOException)
            {
                if (_sandbox is not null)
                {
                    await _sandbox.DisposeAsync();
                    _sandbox = null;
                }

                if (e.Message != _sandboxError)
                {
                    _sandboxError = e.Message;
                    Warning("FailedCreatePodSandBox", $"Failed to create pod sandbox: {e.Message}");
                }
            }

            await Task.Delay(Options.SandboxRetryPeriod, Time, ct);
        }
    }

    // Deleted: SIGTERM to the containers, then to the sidecars, all within terminationGracePeriodSeconds.
    private async Task StopAsync()
    {
        var grace = GracePeriod();
        var deadline = Time.GetUtcNow() + grace;
        await Task.WhenAll(_containers.Select(c => c.StopAsync(grace)));
        var left = deadline - Time.GetUtcNow();
        await Task.WhenAll(_init.AsEnumerable().Reverse().Select(c => c.StopAsync(left > TimeSpan.Zero ? left : TimeSpan.FromSeconds(2))));
    }

    // The pod is gone: its volumes go with it (its logs stay in the node's folder until the node is disposed).
    private void RemoveVolumes()
    {
        try
        {
            System.IO.Directory.Delete(PodDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>The pod's terminationGracePeriodSeconds.</summary>
    public TimeSpan GracePeriod() => TimeSpan.FromSeconds(_pod.Long("spec", "terminationGracePeriodSeconds") ?? 30);

    private async Task MountAsync(CancellationToken ct)
    {
        while (true)
        {
            try
            {
                _volumes.Sync();
                return;
            }
            catch (MountException e)
            {
                // Like the kubelet's event back-off: one FailedMount Event per interval while the mount keeps failing.
                if (Time.GetUtcNow() - _lastFailedMountEvent >= Options.FailedMountEventInterval)
                {
                    _lastFailedMountEvent = Time.GetUtcNow();
                    Warning("FailedMount", e.Message);
                }
            }

            await Task.Delay(Options.VolumeSyncPeriod, Time, ct);
        }
    }

    // ConfigMap and Secret changes reach the volumes, and tokens are rotated, on every sync.
    private async Task SyncVolumesAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(Options.VolumeSyncPeriod, Time, ct);
                _volumes.Sync();
            }
            catch (MountException e)
            {
                if (Time.GetUtcNow() - _lastFailedMountEvent >= Options.FailedMountEventInterval)
                {
                    _lastFailedMountEvent = Time.GetUtcNow();
                    Warning("FailedMount", e.Message);
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (IOException)
            {
                // The pod's folder is being removed as the node stops.
                return;
            }
        }
    }

    /// <summary>Writes the pod's status if it changed (serialized, so the last write holds the latest state).</summary>
    public void StatusChanged()
    {
        lock (_statusGate)
        {
            var status = Status();
            var text = status.ToJsonString();
            if (text == _lastStatus)
            {
                return;
            }

            try
            {
                var type = _node.Ops.Registry.ForStorage(Pods)!;
                _node.Ops.GuaranteedUpdate(type, Namespace, Name, "status", new WriteOptions("kubelet"), live =>
                {
                    live["status"] = status.DeepClone();
                    return live;
                });
                _lastStatus = text;
            }
            catch (ApiException)
            {
                // The pod is gone; its containers are being stopped.
            }
        }
    }

    private JsonObject Status()
    {
        var phase = Phase();
        var completed = phase is "Succeeded" or "Failed";
        var containersReady = !completed && _initialized && _containers.All(c => c.Ready);
        var ready = containersReady && _init.Where(c => c.Kind == ContainerKind.Sidecar).All(c => c.Ready);
        var status = new JsonObject
        {
            ["phase"] = phase,
            ["conditions"] = new JsonArray(
                Condition("PodReadyToStartContainers", _mounted, null),
                Condition("Initialized", _initialized, _initialized ? null : "ContainersNotInitialized"),
                Condition("Ready", ready, ready ? null : completed ? "PodCompleted" : "ContainersNotReady"),
                Condition("ContainersReady", containersReady, containersReady ? null : completed ? "PodCompleted" : "ContainersNotReady"),
                Condition("PodScheduled", true, null)),
            ["hostIP"] = _node.HostIp,
            ["hostIPs"] = new JsonArray(new JsonObject { ["ip"] = _node.HostIp }),
            ["startTime"] = _startTime,
            ["qosClass"] = "BestEffort",
            ["containerStatuses"] = new JsonArray(_containers.Select(c => (JsonNode)c.Status()).ToArray()),
        };
        // The pod's address once its sandbox exists, as the kubelet reports it.
        if (PodIp.Length > 0)
        {
            status["podIP"] = PodIp;
            status["podIPs"] = new JsonArray(new JsonObject { ["ip"] = PodIp });
        }

        if (_init.Count > 0)
        {
            status["initContainerStatuses"] = new JsonArray(_init.Select(c => (JsonNode)c.Status()).ToArray());
        }

        return status;
    }

    private string Phase()
    {
        if (_initFailed)
        {
            return "Failed";
        }

        if (_initialized && _containers.All(c => c.Finished))
        {
            return _containers.All(c => c.ExitCode == 0) ? "Succeeded" : "Failed";
        }

        return _initialized && _containers.Any(c => c.Attempt >= 0) ? "Running" : "Pending";
    }

    private JsonObject Condition(string type, bool value, string? reason)
    {
        if (!_conditions.TryGetValue(type, out var last) || last.Status != value)
        {
            last = (value, Now());
            _conditions[type] = last;
        }

        var condition = new JsonObject
        {
            ["type"] = type,
            ["status"] = value ? "True" : "False",
            ["lastProbeTime"] = null,
            ["lastTransitionTime"] = last.Time,
        };
        if (reason is not null)
        {
            condition["reason"] = reason;
        }

        return condition;
    }
}
