using System.Diagnostics;
using System.Text.Json.Nodes;
using AgentOperator.Crds.Generation;
using AgentOperator.DevCluster;
using AgentOperator.DevMode.Install;
using AgentOperator.Operator.Tests.Fixtures;
using AgentOperator.TestSupport;
using Microsoft.Extensions.Time.Testing;
using k8s;
using k8s.Models;

namespace AgentOperator.Operator.Tests.DevMode;

/// <summary>
/// config/rbac as dev mode and the test fixtures install it: the same objects an install gets, and an operator client that
/// is that ServiceAccount, with what its ClusterRole allows and nothing more.
/// </summary>
public sealed class OperatorRbacTests
{
    private static readonly string[] RbacKinds = ["ServiceAccount", "Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding"];

    [Fact]
    public async Task ReadAsync_ConfigRbac_IsTheRbacThatConfigDefaultInstalls()
    {
        var rbac = await OperatorRbac.ReadAsync(DevModeExamples.Repository, CancellationToken.None);
        var installed = YamlReader.ReadDocuments(Kustomize("config/default")).OfType<JsonObject>()
            .Where(o => RbacKinds.Contains(o["kind"]?.GetValue<string>()))
            // config/default also installs config/collector: the audit collector's identity, not the operator's.
            .Where(o => o["metadata"]?["labels"]?["app.kubernetes.io/component"]?.GetValue<string>() != "audit-collector")
            .Select(Comparable).Order(StringComparer.Ordinal);

        // Names, namespaces, rules, role references and subjects: everything but config/default's common labels.
        Assert.Equal(installed, rbac.Manifests.Select(m => Comparable(m.Object)).Order(StringComparer.Ordinal));
        Assert.Equal("system:serviceaccount:agentoperator-system:agent-operator", rbac.UserName);
        Assert.Contains(rbac.Manifests, m => m is { Kind: "ClusterRole", Name: "agentoperator-approver" });
    }

    [Fact]
    public async Task ClientConfiguration_IsTheServiceAccount_WithTheClusterRolesPermissionsOnly()
    {
        await using var server = await DevClusterServer.StartAsync();
        using var admin = new Kubernetes(server.CreateClientConfiguration());
        var configuration = await OperatorIdentity.InstallAsync(server.CreateClientConfiguration(), admin);
        using var operatorClient = new Kubernetes(configuration);

        await OperatorIdentity.AssertIsOperatorAsync(configuration, operatorClient);
        Assert.True(await AllowedAsync(admin, "create", "apps", "deployments", "support"));
        Assert.True(await AllowedAsync(admin, "create", "coordination.k8s.io", "leases", "agentoperator-system"));
        Assert.False(await AllowedAsync(admin, "list", "", "secrets", "support"), "config/rbac grants the operator no Secret access");
        Assert.False(await AllowedAsync(admin, "create", "coordination.k8s.io", "leases", "support"), "the leader-election Role is only in the operator's namespace");
        var refused = await Assert.ThrowsAsync<k8s.Autorest.HttpOperationException>(() => operatorClient.CoreV1.ListNamespacedSecretAsync("default"));
        Assert.Equal(System.Net.HttpStatusCode.Forbidden, refused.Response.StatusCode);
    }

    [Fact]
    public async Task TokenProvider_RequestsTheNextTokenAfter80PercentOfItsLifetime()
    {
        await using var server = await DevClusterServer.StartAsync();
        var requests = new ApiRequestLog();
        using var admin = new Kubernetes(server.CreateClientConfiguration(), requests);
        var rbac = await OperatorRbac.ReadAsync(DevModeExamples.Repository, CancellationToken.None);
        await rbac.InstallAsync(new ManifestApplier(admin, TimeProvider.System), CancellationToken.None);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var provider = new ServiceAccountTokenProvider(admin, rbac.ServiceAccountNamespace, rbac.ServiceAccountName, TimeSpan.FromMinutes(10), time);
        int TokenRequests() => requests.All.Count(r => r.Contains("/serviceaccounts/agent-operator/token", StringComparison.Ordinal));

        var first = await provider.GetAuthenticationHeaderAsync(CancellationToken.None);
        await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => provider.GetAuthenticationHeaderAsync(CancellationToken.None)));
        time.Advance(TimeSpan.FromMinutes(7.5));
        Assert.Equal(first.Parameter, (await provider.GetAuthenticationHeaderAsync(CancellationToken.None)).Parameter);
        Assert.Equal(1, TokenRequests());

        time.Advance(TimeSpan.FromMinutes(1));
        await provider.GetAuthenticationHeaderAsync(CancellationToken.None);
        Assert.Equal(2, TokenRequests());
    }

    private static async Task<bool> AllowedAsync(Kubernetes admin, string verb, string group, string resource, string ns)
    {
        var review = await admin.AuthorizationV1.CreateSubjectAccessReviewAsync(new V1SubjectAccessReview
        {
            Spec = new V1SubjectAccessReviewSpec
            {
                User = await OperatorIdentity.UserNameAsync(),
                Groups = ["system:serviceaccounts", "system:serviceaccounts:agentoperator-system", "system:authenticated"],
                ResourceAttributes = new V1ResourceAttributes { Verb = verb, Group = group, Resource = resource, NamespaceProperty = ns },
            },
        });
        return review.Status.Allowed;
    }

    /// <summary>The object without labels, its keys sorted (kustomize prints them sorted, the files do not).</summary>
    private static string Comparable(JsonObject manifest)
    {
        var copy = manifest.DeepClone().AsObject();
        copy["metadata"]!.AsObject().Remove("labels");
        return Sorted(copy)!.ToJsonString();
    }

    private static JsonNode? Sorted(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, Sorted(p.Value)))),
        JsonArray a => new JsonArray([.. a.Select(Sorted)]),
        _ => node?.DeepClone(),
    };

    private static string Kustomize(string directory)
    {
        var start = new ProcessStartInfo("/usr/bin/kubectl") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = DevModeExamples.Repository.Root };
        start.ArgumentList.Add("kustomize");
        start.ArgumentList.Add(directory);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"kubectl kustomize {directory}: {error}");
        return output;
    }
}
