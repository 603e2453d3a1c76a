using System.Text;
using AgentOperator.Contracts;
using AgentOperator.Operator.Tests.Fixtures;
using k8s;
using k8s.Models;

namespace AgentOperator.Operator.Tests.Notifications;

/// <summary>What a namespace owner applies to get notifications (README "Notifications"), through the admin's client.</summary>
internal static class NotificationSetup
{
    /// <summary>The ConfigMap listing the webhooks, <paramref name="webhooksYaml"/> as its <c>webhooks.yaml</c>.</summary>
    public static Task ConfigureAsync(IKubernetes admin, string ns, string webhooksYaml) =>
        admin.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap
        {
            Metadata = new V1ObjectMeta { Name = NotificationSettings.ConfigMapName },
            Data = new Dictionary<string, string> { [NotificationSettings.WebhooksKey] = webhooksYaml },
        }, ns);

    /// <summary>The Secret holding the webhook URLs, one key each.</summary>
    public static Task StoreUrlsAsync(IKubernetes admin, string ns, IReadOnlyDictionary<string, Uri> urls) =>
        admin.CoreV1.CreateNamespacedSecretAsync(new V1Secret
        {
            Metadata = new V1ObjectMeta { Name = NotificationSettings.SecretName },
            Data = urls.ToDictionary(u => u.Key, u => Encoding.UTF8.GetBytes(u.Value.ToString())),
        }, ns);

    /// <summary>The README's RoleBinding: config/rbac's ClusterRole, bound in this namespace only to the operator's ServiceAccount.</summary>
    public static async Task LetOperatorReadUrlsAsync(IKubernetes admin, string ns)
    {
        var user = await OperatorIdentity.UserNameAsync();
        var serviceAccount = user["system:serviceaccount:".Length..].Split(':');
        await admin.RbacAuthorizationV1.CreateNamespacedRoleBindingAsync(new V1RoleBinding
        {
            Metadata = new V1ObjectMeta { Name = NotificationSettings.SecretReaderClusterRole },
            RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "ClusterRole", Name = NotificationSettings.SecretReaderClusterRole },
            Subjects = [new Rbacv1Subject { Kind = "ServiceAccount", Name = serviceAccount[1], NamespaceProperty = serviceAccount[0] }],
        }, ns);
    }

    /// <summary>All three, for a receiver whose paths carry a secret token (so a leak is visible).</summary>
    public static async Task AllAsync(IKubernetes admin, string ns, string webhooksYaml, IReadOnlyDictionary<string, Uri> urls)
    {
        await ConfigureAsync(admin, ns, webhooksYaml);
        await StoreUrlsAsync(admin, ns, urls);
        await LetOperatorReadUrlsAsync(admin, ns);
    }
}
