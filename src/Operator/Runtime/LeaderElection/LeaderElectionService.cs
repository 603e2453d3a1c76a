using AgentOperator.Operator.Runtime.Informers;
using AgentOperator.Operator.Runtime.Metrics;
using AgentOperator.Operator.Runtime.Reconciliation;
using k8s;
using k8s.Autorest;
using k8s.LeaderElection;
using k8s.LeaderElection.ResourceLock;

namespace AgentOperator.Operator.Runtime.LeaderElection;

/// <summary>
/// Runs the controllers' workers only while this replica holds the Lease (KubernetesClient's
/// <see cref="LeaderElector"/> with a <see cref="LeaseLock"/>); without leader election, for the whole run.
/// Informers run regardless (see <see cref="InformersHostedService"/>), so a follower takes over with warm caches.
/// <list type="bullet">
/// <item>Losing the lease cancels the workers at once; the replica then competes again.</item>
/// <item>On shutdown (SIGTERM) the workers take no more keys, reconciles in flight get
/// <see cref="LeaderElectionOptions.DrainTimeout"/> to finish, and the Lease is released (holder cleared) so a
/// follower takes over without waiting for it to expire.</item>
/// </list>
/// </summary>
internal sealed partial class LeaderElectionService(
    IEnumerable<IController> controllers,
    SharedInformerFactory informers,
    IKubernetes client,
    LeaderElectionOptions options,
    ControllerMetrics metrics,
    ILogger<LeaderElectionService> logger) : BackgroundService
{
    private readonly IReadOnlyList<IController> _controllers = [.. controllers];
    private readonly string _identity = options.ResolveIdentity();
    private readonly string _namespace = options.ResolveNamespace();
    private volatile bool _leading;

    /// <summary>This replica's identity in the Lease.</summary>
    public string Identity => _identity;

    /// <summary>True while this replica's workers run.</summary>
    public bool IsLeading => _leading;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await informers.WaitForSyncAsync(stoppingToken);
            if (options.Enabled)
            {
                await CompeteAsync(stoppingToken);
            }
            else
            {
                await RunAloneAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            foreach (var controller in _controllers)
            {
                controller.ShutDown();
            }
        }
    }

    private async Task RunAloneAsync(CancellationToken stoppingToken)
    {
        using var term = LeadershipTerm.Start(_controllers);
        SetLeading(true);
        await Task.WhenAny(term.Completion, Task.Delay(Timeout.Infinite, stoppingToken));
        await term.StopAsync(options.DrainTimeout);
        SetLeading(false);
    }

    private async Task CompeteAsync(CancellationToken stoppingToken)
    {
        LogCandidate(_identity, _namespace, options.LeaseName);
        while (!stoppingToken.IsCancellationRequested)
        {
            // The elector gets its own token: on shutdown it must keep renewing until the workers have drained.
            using var electorStop = new CancellationTokenSource();
            using var elector = new LeaderElector(new LeaderElectionConfig(new LeaseLock(client, _namespace, options.LeaseName, _identity))
            {
                LeaseDuration = options.LeaseDuration,
                RenewDeadline = options.RenewDeadline,
                RetryPeriod = options.RetryPeriod,
            });
            LeadershipTerm? term = null;
            elector.OnStartedLeading += () =>
            {
                LogStartedLeading(_identity);
                term = LeadershipTerm.Start(_controllers);
                SetLeading(true);
            };
            elector.OnStoppedLeading += () =>
            {
                // Also during a shutdown drain: a lease lost then means another replica may already lead.
                SetLeading(false);
                term?.Abort();
            };
            elector.OnNewLeader += leader => LogNewLeader(leader);
            elector.OnError += e => LogElectionError(e, _identity);

            var election = elector.RunUntilLeadershipLostAsync(electorStop.Token);
            await Task.WhenAny(election, Task.Delay(Timeout.Infinite, stoppingToken));
            if (stoppingToken.IsCancellationRequested)
            {
                await StepDownAsync(term, electorStop, election);
                term?.Dispose();
                return;
            }

            try
            {
                await election;
            }
#pragma warning disable CA1031 // An election round that fails is retried.
            catch (Exception e)
#pragma warning restore CA1031
            {
                LogElectionError(e, _identity);
            }

            if (term is not null)
            {
                term.Abort();
                await term.Completion;
                term.Dispose();
                LogLostLeadership(_identity);
            }

            await Task.Delay(options.RetryPeriod, stoppingToken);
        }
    }

    private async Task StepDownAsync(LeadershipTerm? term, CancellationTokenSource electorStop, Task election)
    {
        if (term is not null)
        {
            await term.StopAsync(options.DrainTimeout);
        }

        await electorStop.CancelAsync();
        try
        {
            await election;
        }
        catch (OperationCanceledException)
        {
        }

        if (term is not null)
        {
            await ReleaseLeaseAsync();
        }
    }

    // client-go's ReleaseOnCancel: clear the holder so candidates acquire at once instead of waiting LeaseDuration.
    private async Task ReleaseLeaseAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            var lease = await client.CoordinationV1.ReadNamespacedLeaseAsync(options.LeaseName, _namespace, cancellationToken: timeout.Token);
            if (lease.Spec?.HolderIdentity != _identity)
            {
                return;
            }

            lease.Spec.HolderIdentity = string.Empty;
            lease.Spec.LeaseDurationSeconds = 1;
            lease.Spec.RenewTime = DateTime.UtcNow;
            await client.CoordinationV1.ReplaceNamespacedLeaseAsync(lease, options.LeaseName, _namespace, cancellationToken: timeout.Token);
            LogReleased(_identity);
        }
        catch (Exception e) when (e is HttpOperationException or HttpRequestException or OperationCanceledException)
        {
            LogReleaseFailed(e, _identity);
        }
    }

    private void SetLeading(bool leading)
    {
        _leading = leading;
        metrics.Leading(leading);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Leader election: {Identity} competes for Lease {Namespace}/{Lease}")]
    private partial void LogCandidate(string identity, string @namespace, string lease);

    [LoggerMessage(Level = LogLevel.Information, Message = "Leader election: {Identity} is the leader; starting workers")]
    private partial void LogStartedLeading(string identity);

    [LoggerMessage(Level = LogLevel.Information, Message = "Leader election: the leader is {Leader}")]
    private partial void LogNewLeader(string leader);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Leader election: {Identity} lost the lease; workers stopped")]
    private partial void LogLostLeadership(string identity);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Leader election: {Identity} could not read or write the lease")]
    private partial void LogElectionError(Exception e, string identity);

    [LoggerMessage(Level = LogLevel.Information, Message = "Leader election: {Identity} released the lease")]
    private partial void LogReleased(string identity);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Leader election: {Identity} could not release the lease; followers take over when it expires")]
    private partial void LogReleaseFailed(Exception e, string identity);
}
