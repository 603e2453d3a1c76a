using AgentOperator.Contracts;
using AgentOperator.Manifests.Tests.Infrastructure;

namespace AgentOperator.Manifests.Tests.Install;

/// <summary>
/// The one Secret permission the install ships: reading the notification webhook URLs, by name, only where a namespace
/// owner binds it. The operator's own ClusterRole still holds no Secret access (OperatorRbacTests).
/// </summary>
public sealed class NotificationSecretRoleTests
{
    private static IReadOnlyList<KubeObject> Objects => Kubectl.Kustomize("config/default");

    [Fact]
    public void Notification_secret_role_grants_get_on_the_notification_secret_by_name_only()
    {
        var role = Assert.Single(Objects, o => o.Kind == "ClusterRole" && o.Name == NotificationSettings.SecretReaderClusterRole);
        var rule = Assert.Single(PolicyRule.Of(role.At("rules")));
        Assert.Equal([""], rule.ApiGroups);
        Assert.Equal(["secrets"], rule.Resources);
        Assert.Equal(["get"], rule.Verbs);
        Assert.Equal([NotificationSettings.SecretName], rule.ResourceNames);
    }

    [Fact]
    public void Install_binds_the_notification_secret_role_nowhere()
    {
        Assert.DoesNotContain(Objects, o =>
            o.Kind is "ClusterRoleBinding" or "RoleBinding" && (string?)o.At("roleRef.name") == NotificationSettings.SecretReaderClusterRole);
    }

    [Fact]
    public void The_notification_secret_role_is_not_aggregated_into_built_in_roles()
    {
        var role = Assert.Single(Objects, o => o.Kind == "ClusterRole" && o.Name == NotificationSettings.SecretReaderClusterRole);
        Assert.DoesNotContain(role.At("metadata.labels")!.AsObject(), label => label.Key.StartsWith("rbac.authorization.k8s.io/aggregate-to-", StringComparison.Ordinal));
        Assert.Null(role.At("aggregationRule"));
    }
}
