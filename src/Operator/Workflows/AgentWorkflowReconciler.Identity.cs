using System.Net;
using AgentOperator.Crds.V1Alpha1;
using k8s.Autorest;
using k8s.Models;

namespace AgentOperator.Operator.Workflows;

/// <summary>
/// ReconcileCredentialRevocation and ReconcileIdentity: the target revision's ServiceAccount (token automount off),
/// Role and RoleBinding, and the <c>CredentialsReady</c> condition with the credential window.
/// </summary>
internal sealed partial class AgentWorkflowReconciler
{
    /// <summary>
    /// A new request id in <c>agentoperator.io/revoke-credentials</c> deletes and recreates the ServiceAccount of every
    /// live revision (only the one <c>agentoperator.io/revoke-revision</c> names, when set): the API server validates a token only while the ServiceAccount with the uid in its claims exists,
    /// so every token issued before stops validating at once. The handled id goes to <c>status.lastRevocation</c> (the
    /// operator never writes the spec, and status is where it records what it did) and onto the pod templates, which
    /// rolls the pods so they get tokens of the new ServiceAccount. If the status write fails, the next reconcile
    /// revokes again: at least once, never silently skipped.
    /// </summary>
    private async Task ReconcileCredentialRevocationAsync(WorkflowContext ctx, CancellationToken ct)
    {
        var requested = ctx.Workflow.Metadata.Annotations?.TryGetValue(WorkflowAnnotations.RevokeCredentials, out var id) == true ? id : null;
        if (string.IsNullOrWhiteSpace(requested) || requested == ctx.LastRevocation?.RequestId)
        {
            return;
        }

        // A scoped request names one revision; one that is not live has nothing to revoke, and the event says so.
        var scope = ctx.Workflow.Metadata.Annotations?.TryGetValue(AgentWorkflowAnnotations.RevokeRevision, out var only) == true && !string.IsNullOrWhiteSpace(only) ? only : null;
        var revoked = new List<string>();
        foreach (var revision in ctx.LiveRevisions().Where(r => scope is null || r == scope))
        {
            var name = ctx.RevisionObjectName(revision);
            if (!caches.ServiceAccounts.TryGet(new(ctx.Namespace, name), out var old) || old.Metadata.DeletionTimestamp is not null)
            {
                continue;
            }

            await ChildWriter.DeleteAsync(_apis.ServiceAccounts, old, ct);
            var fresh = new V1ServiceAccount
            {
                ApiVersion = "v1",
                Kind = V1ServiceAccount.KubeKind,
                Metadata = new V1ObjectMeta
                {
                    Name = old.Metadata.Name,
                    NamespaceProperty = old.Metadata.NamespaceProperty,
                    Labels = old.Metadata.Labels,
                    Annotations = old.Metadata.Annotations,
                    OwnerReferences = old.Metadata.OwnerReferences,
                },
                AutomountServiceAccountToken = false,
            };
            ctx.RecreatedServiceAccounts[name] = await CreateReplacingAsync(fresh, ct);
            revoked.Add(revision);
        }

        ctx.LastRevocation = new CredentialRevocation { RequestId = requested, RevokedAt = ctx.Now };
        var message = revoked.Count == 0
            ? scope is not null
                ? $"revocation request {requested}: revision {scope} is not live (live: {string.Join(", ", ctx.LiveRevisions())}); nothing was revoked"
                : $"revocation request {requested}: no revision had credentials yet"
            : $"revocation request {requested}: recreated the ServiceAccounts of revision(s) {string.Join(", ", revoked)}; every token issued before no longer validates, pods roll to get new ones";
        await events.RecordAsync(ctx.Workflow, new WorkflowEvent(false, WorkflowReasons.CredentialsRevoked, message), ct);
    }

    private async Task ReconcileIdentityAsync(WorkflowContext ctx, CancellationToken ct)
    {
        var desired = ctx.Desired!;
        if (!ctx.RecreatedServiceAccounts.TryGetValue(desired.ServiceAccount.Metadata.Name, out var serviceAccount))
        {
            serviceAccount = await EnsureAsync(ctx, _apis.ServiceAccounts, caches.ServiceAccounts, desired.ServiceAccount, ct);
        }

        ctx.TargetServiceAccount = serviceAccount;
        await EnsureAsync(ctx, _apis.Roles, caches.Roles, desired.Role, ct);
        await EnsureAsync(ctx, _apis.RoleBindings, caches.RoleBindings, desired.RoleBinding, ct);
    }

    /// <summary>CredentialsReady and credentialsExpireAt, for the revision that serves (the stable one, else the target).</summary>
    private void ReportCredentials(WorkflowContext ctx)
    {
        var revision = ctx.StableRevision ?? ctx.TargetRevision;
        if (revision is null)
        {
            ctx.Conditions.Set(ConditionTypes.CredentialsReady, ConditionStatus.Unknown, WorkflowReasons.NoRevision, "no revision has been provisioned yet", ctx.Generation);
            return;
        }

        var name = ctx.RevisionObjectName(revision);
        var serviceAccount = ctx.RecreatedServiceAccounts.GetValueOrDefault(name)
            ?? (revision == ctx.TargetRevision ? ctx.TargetServiceAccount : null)
            ?? (caches.ServiceAccounts.TryGet(new(ctx.Namespace, name), out var cached) ? cached : null);
        if (serviceAccount?.Metadata.CreationTimestamp is not { } created || serviceAccount.Metadata.DeletionTimestamp is not null)
        {
            ctx.Conditions.Set(ConditionTypes.CredentialsReady, ConditionStatus.False, WorkflowReasons.ServiceAccountMissing, $"ServiceAccount {name} of revision {revision} does not exist", ctx.Generation);
            ctx.CredentialsExpireAt = null;
            return;
        }

        var ttl = TimeSpan.FromSeconds(ctx.Spec.Credentials?.TokenTtlSeconds ?? new CredentialsSpec().TokenTtlSeconds);
        var window = CredentialWindow.For(new DateTimeOffset(DateTime.SpecifyKind(created, DateTimeKind.Utc)), ttl, ctx.Now);
        ctx.CredentialsExpireAt = window.ExpiresAt;
        ctx.LookAgainIn(window.WindowEnd - ctx.Now, "the credential window ends");
        ctx.Conditions.Set(
            ConditionTypes.CredentialsReady,
            ConditionStatus.True,
            WorkflowReasons.ServiceAccountReady,
            $"ServiceAccount {name} of revision {revision} exists; the kubelet issues its pods tokens valid for {(int)ttl.TotalSeconds} s",
            ctx.Generation);
    }

    private async Task<V1ServiceAccount> CreateReplacingAsync(V1ServiceAccount fresh, CancellationToken ct)
    {
        // The old one may still be finalizing for a moment; retry the create briefly rather than fail the revocation.
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await _apis.ServiceAccounts.Create(fresh, fresh.Metadata.NamespaceProperty, ct);
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict && attempt < 20)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), time, ct);
            }
        }
    }
}
