using System.Security.Cryptography.X509Certificates;
using AgentOperator.DevCluster.Tests.Infrastructure;
using k8s;
using k8s.Models;

namespace AgentOperator.DevCluster.Tests.Controllers;

/// <summary>
/// kube-controller-manager's root-ca-cert-publisher: the <c>kube-root-ca.crt</c> ConfigMap (key <c>ca.crt</c>,
/// the PEM that verifies the API server) in every namespace, put back when deleted or edited.
/// </summary>
public sealed class RootCaPublisherTests(QuietClusterFixture cluster) : IClassFixture<QuietClusterFixture>
{
    private const string Name = "kube-root-ca.crt";

    [Fact]
    public async Task Every_namespace_holds_kube_root_ca_crt_with_the_CA_that_verifies_the_server()
    {
        foreach (var ns in new[] { "default", "kube-system", "kube-public", await cluster.CreateNamespaceAsync() })
        {
            var cm = await Eventually.MatchAsync(() => TryReadAsync(ns), c => c is not null, $"{Name} in {ns}");
            Assert.Equal(cluster.Server.CertificateAuthorityPem, cm!.Data["ca.crt"]);
            Assert.StartsWith("Contains a CA bundle that can be used to verify the kube-apiserver", cm.Metadata.Annotations["kubernetes.io/description"]);
        }

        var pem = (await cluster.Client.CoreV1.ReadNamespacedConfigMapAsync(Name, "default")).Data["ca.crt"];
        using var ca = X509Certificate2.CreateFromPem(pem);
        Assert.Equal(cluster.Server.CertificateAuthorityPem, ca.ExportCertificatePem());
    }

    [Fact]
    public async Task A_deleted_kube_root_ca_crt_is_recreated()
    {
        var ns = await cluster.CreateNamespaceAsync();
        var before = await cluster.Client.CoreV1.ReadNamespacedConfigMapAsync(Name, ns);

        await cluster.Client.CoreV1.DeleteNamespacedConfigMapAsync(Name, ns);

        var after = await Eventually.MatchAsync(() => TryReadAsync(ns), c => c is not null && c.Metadata.Uid != before.Metadata.Uid, $"{Name} to be recreated");
        Assert.Equal(cluster.Server.CertificateAuthorityPem, after!.Data["ca.crt"]);
    }

    [Fact]
    public async Task An_edited_kube_root_ca_crt_gets_its_data_back_and_keeps_other_metadata()
    {
        var ns = await cluster.CreateNamespaceAsync();

        await cluster.Client.CoreV1.PatchNamespacedConfigMapAsync(
            new V1Patch("""{"metadata":{"labels":{"team":"a"}},"data":{"ca.crt":"tampered","extra":"x"}}""", V1Patch.PatchType.MergePatch), Name, ns);

        var restored = await Eventually.MatchAsync(() => TryReadAsync(ns), c => c?.Data["ca.crt"] == cluster.Server.CertificateAuthorityPem, $"{Name} data to be restored");
        Assert.Equal(["ca.crt"], restored!.Data.Keys);
        Assert.Equal("a", restored.Metadata.Labels["team"]);
    }

    [Fact]
    public async Task A_terminating_namespace_does_not_get_it_back()
    {
        var ns = await cluster.CreateNamespaceAsync();

        await cluster.Client.CoreV1.DeleteNamespaceAsync(ns);

        await Eventually.MatchAsync(
            async () => (await cluster.Client.CoreV1.ListNamespaceAsync(fieldSelector: $"metadata.name={ns}")).Items.Count,
            count => count == 0,
            $"namespace {ns} to be gone");
        Assert.Null(await TryReadAsync(ns));
    }

    private async Task<V1ConfigMap?> TryReadAsync(string ns) =>
        (await cluster.Client.CoreV1.ListNamespacedConfigMapAsync(ns, fieldSelector: $"metadata.name={Name}")).Items.SingleOrDefault();
}
