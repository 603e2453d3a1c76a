using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using AgentOperator.DevCluster.Node;

namespace AgentOperator.DevMode.Analysis;

/// <summary>
/// A real Prometheus (Debian's <c>prometheus</c> binary) for dev mode and tests: on 127.0.0.1 (or
/// <see cref="LocalPrometheusOptions.ListenAddress"/>) at a port picked at run time, with its storage and configuration in
/// a temporary directory, scraping whatever <see cref="SetTargetsAsync(IEnumerable{ScrapeTarget}, CancellationToken)"/>
/// names through file-based service discovery. Stopping it kills the process and
/// deletes the directory; a start first kills what an owner that was itself killed left running.
/// </summary>
internal sealed class LocalPrometheus : IAsyncDisposable
{
    private const int PortAttempts = 3;
    private const int KeptLogLines = 40;

    private readonly Process _process;
    private readonly string _directory;
    private readonly ConcurrentQueue<string> _log;
    private readonly HttpClient _http;
    private readonly TimeProvider _time;
    private readonly LocalPrometheusOptions _options;
    private readonly SemaphoreSlim _targetsLock = new(1, 1);
    private IReadOnlyList<Uri> _targets = [];
    private int _stopped;

    private LocalPrometheus(Process process, string directory, ConcurrentQueue<string> log, Uri address, TimeProvider time, LocalPrometheusOptions options)
    {
        _process = process;
        _directory = directory;
        _log = log;
        _time = time;
        _options = options;
        Address = address;
        _http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(5) };
    }

    /// <summary>Whether a Prometheus binary is on PATH; dev mode falls back to the web provider without one.</summary>
    public static bool IsInstalled => HostExecutables.Find("prometheus") is not null;

    /// <summary>Base address of the HTTP API, e.g. http://127.0.0.1:41234/.</summary>
    public Uri Address { get; }

    /// <summary>The temporary directory holding the configuration, the targets file and the storage; deleted on stop.</summary>
    public string WorkingDirectory => _directory;

    /// <summary>The pids of abandoned Prometheus processes (their owner was killed) this start killed; see <see cref="AbandonedPrometheus"/>.</summary>
    public IReadOnlyList<int> Reaped { get; private init; } = [];

    /// <summary>The last lines Prometheus logged, for failure messages.</summary>
    public IReadOnlyList<string> RecentLog => [.. _log];

    /// <summary>
    /// Starts Prometheus with no targets and returns once it answers ready. Throws <see cref="InvalidOperationException"/>
    /// when the binary is missing, or when it exits or stays unready past <see cref="LocalPrometheusOptions.StartTimeout"/>
    /// (with its last log lines).
    /// </summary>
    public static async Task<LocalPrometheus> StartAsync(LocalPrometheusOptions? options = null, TimeProvider? time = null, CancellationToken cancellationToken = default)
    {
        options ??= new LocalPrometheusOptions();
        time ??= TimeProvider.System;
        var binary = options.BinaryPath ?? HostExecutables.Find("prometheus") ?? throw new InvalidOperationException("prometheus is not installed (apt-get install -y prometheus)");
        var reaped = await AbandonedPrometheus.ReapAsync(cancellationToken);
        var directory = AbandonedPrometheus.CreateWorkingDirectory();
        try
        {
            var targetsFile = Path.Combine(directory, "targets.json");
            await File.WriteAllTextAsync(targetsFile, "[]", cancellationToken);
            var configFile = Path.Combine(directory, "prometheus.yml");
            await File.WriteAllTextAsync(configFile, Configuration(options, targetsFile), cancellationToken);

            // The port is free when picked but another process may take it before Prometheus binds: try a few.
            for (var attempt = 1; ; attempt++)
            {
                var endpoint = new IPEndPoint(options.ListenAddress, FreePort(options.ListenAddress));
                var log = new ConcurrentQueue<string>();
                var process = Launch(binary, directory, configFile, endpoint, log);
                var prometheus = new LocalPrometheus(process, directory, log, new Uri($"http://{endpoint}/"), time, options) { Reaped = reaped };
                var failure = await prometheus.WaitUntilReadyAsync(cancellationToken);
                if (failure is null)
                {
                    return prometheus;
                }

                await prometheus.KillAsync();
                prometheus._http.Dispose();
                var portTaken = log.Any(line => line.Contains("address already in use", StringComparison.OrdinalIgnoreCase));
                if (!portTaken || attempt == PortAttempts)
                {
                    throw new InvalidOperationException($"prometheus did not start: {failure}; last log lines:{Environment.NewLine}{string.Join(Environment.NewLine, log)}");
                }
            }
        }
        catch
        {
            DeleteDirectory(directory);
            throw;
        }
    }

    /// <summary>
    /// Replaces the scraped targets with <paramref name="metricsEndpoints"/>: each a gateway's metrics address
    /// (http://host:port/, scraped at /metrics) or a full metrics URL. The file is swapped in by rename, so
    /// Prometheus never reads half of it. After <see cref="StopAsync"/> there is nothing to scrape and nothing is
    /// written: a loop that follows the gateways may keep calling while a test has stopped Prometheus on purpose.
    /// </summary>
    public Task SetTargetsAsync(IEnumerable<Uri> metricsEndpoints, CancellationToken cancellationToken = default) =>
        SetTargetsAsync(metricsEndpoints.Select(e => new ScrapeTarget(e, new Dictionary<string, string>())), cancellationToken);

    /// <summary>As <see cref="SetTargetsAsync(IEnumerable{Uri}, CancellationToken)"/>, each target with the labels its series get (namespace, pod).</summary>
    public async Task SetTargetsAsync(IEnumerable<ScrapeTarget> targets, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(targets);
        var all = targets.ToList();
        var endpoints = all.Select(t => t.MetricsAddress).ToList();
        var groups = all.Select(target => new Dictionary<string, object>
        {
            ["targets"] = new[] { target.MetricsAddress.Authority },
            ["labels"] = new Dictionary<string, string>(target.Labels)
            {
                ["__scheme__"] = target.MetricsAddress.Scheme,
                ["__metrics_path__"] = target.MetricsAddress.AbsolutePath is "" or "/" ? "/metrics" : target.MetricsAddress.AbsolutePath,
            },
        });
        var targetsFile = Path.Combine(_directory, "targets.json");
        var staging = targetsFile + ".tmp";
        await _targetsLock.WaitAsync(cancellationToken);
        try
        {
            _targets = endpoints;
            if (Volatile.Read(ref _stopped) == 0)
            {
                await File.WriteAllTextAsync(staging, JsonSerializer.Serialize(groups), cancellationToken);
                File.Move(staging, targetsFile, overwrite: true);
            }
        }
        finally
        {
            _targetsLock.Release();
        }
    }

    /// <summary>
    /// Waits until Prometheus has scraped every current target successfully after this call began, so samples written
    /// before the call are queryable. Throws <see cref="TimeoutException"/> naming the targets still missing.
    /// </summary>
    public async Task WaitUntilScrapedAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        // Prometheus stamps scrapes with the wall clock, so "after this call" is measured on the wall clock too.
        var since = DateTimeOffset.UtcNow;
        var deadline = _time.GetUtcNow() + timeout;
        var expected = _targets.Select(t => t.Authority).ToHashSet(StringComparer.Ordinal);
        while (true)
        {
            var pending = await PendingTargetsAsync(expected, since, cancellationToken);
            if (pending.Count == 0)
            {
                return;
            }

            if (_time.GetUtcNow() > deadline)
            {
                throw new TimeoutException($"prometheus at {Address} did not scrape {string.Join(", ", pending)} within {timeout.TotalSeconds} s");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), _time, cancellationToken);
        }
    }

    /// <summary>Kills Prometheus (queries fail from now on) and deletes its directory; safe to call more than once.</summary>
    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1)
        {
            return;
        }

        await KillAsync();
        _http.Dispose();
        _process.Dispose();
        // Under the targets lock, so a concurrent SetTargetsAsync never writes into a directory being deleted.
        await _targetsLock.WaitAsync();
        try
        {
            DeleteDirectory(_directory);
        }
        finally
        {
            _targetsLock.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _targetsLock.Dispose();
    }

    private async Task<HashSet<string>> PendingTargetsAsync(HashSet<string> expected, DateTimeOffset since, CancellationToken cancellationToken)
    {
        var pending = new HashSet<string>(expected, StringComparer.Ordinal);
        try
        {
            using var document = JsonDocument.Parse(await _http.GetStringAsync(new Uri("api/v1/targets?state=active", UriKind.Relative), cancellationToken));
            foreach (var target in document.RootElement.GetProperty("data").GetProperty("activeTargets").EnumerateArray())
            {
                var instance = target.GetProperty("labels").TryGetProperty("instance", out var i) ? i.GetString() : null;
                var scraped = target.TryGetProperty("lastScrape", out var last) && DateTimeOffset.TryParse(last.GetString(), CultureInfo.InvariantCulture, out var at) && at > since;
                if (instance is not null && scraped && target.GetProperty("health").GetString() == "up")
                {
                    pending.Remove(instance);
                }
            }
        }
        catch (HttpRequestException)
        {
            // Not answering (yet): everything is still pending; the deadline decides.
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The per-request timeout: as above.
        }

        return pending;
    }

    private async Task<string?> WaitUntilReadyAsync(CancellationToken cancellationToken)
    {
        var deadline = _time.GetUtcNow() + _options.StartTimeout;
        while (_time.GetUtcNow() < deadline)
        {
            if (_process.HasExited)
            {
                return $"it exited with code {_process.ExitCode}";
            }

            try
            {
                using var response = await _http.GetAsync(new Uri("-/ready", UriKind.Relative), cancellationToken);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return null;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // The per-request timeout: still starting.
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), _time, cancellationToken);
        }

        return $"it was not ready within {_options.StartTimeout.TotalSeconds} s";
    }

    private async Task KillAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            await _process.WaitForExitAsync();
        }
        catch (InvalidOperationException)
        {
            // It had already gone.
        }
    }

    private static Process Launch(string binary, string directory, string configFile, IPEndPoint endpoint, ConcurrentQueue<string> log)
    {
        var start = new ProcessStartInfo(binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = directory,
        };
        foreach (var argument in new[]
        {
            $"--config.file={configFile}",
            $"--storage.tsdb.path={Path.Combine(directory, "data")}",
            $"--web.listen-address={endpoint}",
            "--storage.tsdb.retention.time=1d",
        })
        {
            start.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = start };
        void Keep(object sender, DataReceivedEventArgs e)
        {
            if (e.Data is { } line)
            {
                log.Enqueue(line);
                if (log.Count > KeptLogLines)
                {
                    log.TryDequeue(out _);
                }
            }
        }

        process.OutputDataReceived += Keep;
        process.ErrorDataReceived += Keep;
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static string Configuration(LocalPrometheusOptions options, string targetsFile)
    {
        var interval = $"{Math.Max(1, (long)options.ScrapeInterval.TotalMilliseconds).ToString(CultureInfo.InvariantCulture)}ms";
        // JSON is valid YAML, and the serializer quotes the paths and names correctly.
        return JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["global"] = new Dictionary<string, string> { ["scrape_interval"] = interval, ["scrape_timeout"] = interval, ["evaluation_interval"] = interval },
            ["scrape_configs"] = new[]
            {
                new Dictionary<string, object>
                {
                    ["job_name"] = options.JobName,
                    ["file_sd_configs"] = new[] { new Dictionary<string, object> { ["files"] = new[] { targetsFile }, ["refresh_interval"] = interval } },
                },
            },
        });
    }

    private static int FreePort(IPAddress address)
    {
        using var listener = new TcpListener(address, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static void DeleteDirectory(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
            // Already gone.
        }
    }
}
