using System.Net;
using AgentOperator.DevCluster.Tests.Infrastructure;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace AgentOperator.DevCluster.Tests.Bootstrap;

/// <summary>
/// Like kube-apiserver, the server publishes <c>default/kubernetes</c> (Service, Endpoints, EndpointSlice) with the
/// address and port it really listens on, readable by a client whose RBAC names only that object.
/// </summary>
public sealed class KubernetesServiceEndpointsTests(ClusterFixture cluster) : IClassFixture<ClusterFixture>
{
    private int Port => cluster.Server.BaseAddress.Port;

    [Fact]
    public async Task EndpointSlice_and_Endpoints_name_the_address_and_port_the_server_listens_on()
    {
        var slice = await cluster.Client.DiscoveryV1.ReadNamespacedEndpointSliceAsync("kubernetes", "default");
        Assert.Equal("IPv4", slice.AddressType);
        Assert.Equal("kubernetes", slice.Metadata.Labels["kubernetes.io/service-name"]);
        var endpoint = Assert.Single(slice.Endpoints);
        Assert.Equal(["127.0.0.1"], endpoint.Addresses);
        Assert.True(endpoint.Conditions.Ready);
        var port = Assert.Single(slice.Ports);
        Assert.Equal((Port, "TCP", "https"), (port.Port!.Value, port.Protocol, port.Name));

        var endpoints = await cluster.Client.CoreV1.ReadNamespacedEndpointsAsync("kubernetes", "default");
        var subset = Assert.Single(endpoints.Subsets);
        Assert.Equal("127.0.0.1", Assert.Single(subset.Addresses).Ip);
        Assert.Equal(Port, Assert.Single(subset.Ports).Port);

        var service = await cluster.Client.CoreV1.ReadNamespacedServiceAsync("kubernetes", "default");
        var servicePort = Assert.Single(service.Spec.Ports);
        Assert.Equal(443, servicePort.Port);
        Assert.Equal(Port.ToString(System.Globalization.CultureInfo.InvariantCulture), servicePort.TargetPort.Value);
    }

    [Fact]
    public async Task Kubectl_shows_the_endpoints_as_address_and_port()
    {
        var table = await cluster.Kubectl.SucceedAsync("get endpoints kubernetes -n default");
        Assert.Contains($"127.0.0.1:{Port}", table, StringComparison.Ordinal);
        var slices = await cluster.Kubectl.SucceedAsync("get endpointslices -n default");
        Assert.Contains("IPv4", slices, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_role_restricted_to_the_name_lists_and_watches_only_with_a_name_field_selector()
    {
        var ns = await cluster.CreateNamespaceAsync("rbac");
        var account = "endpoint-reader";
        await cluster.Client.CoreV1.CreateNamespacedServiceAccountAsync(new V1ServiceAccount { Metadata = new V1ObjectMeta { Name = account } }, ns);
        var roleName = $"{ns}-apiserver-endpoints";
        await cluster.Client.RbacAuthorizationV1.CreateClusterRoleAsync(new V1ClusterRole
        {
            Metadata = new V1ObjectMeta { Name = roleName },
            Rules =
            [
                new V1PolicyRule { ApiGroups = ["discovery.k8s.io"], Resources = ["endpointslices"], ResourceNames = ["kubernetes"], Verbs = ["get", "list", "watch"] },
                new V1PolicyRule { ApiGroups = [""], Resources = ["endpoints"], ResourceNames = ["kubernetes"], Verbs = ["get", "list", "watch"] },
            ],
        });
        await cluster.Client.RbacAuthorizationV1.CreateClusterRoleBindingAsync(new V1ClusterRoleBinding
        {
            Metadata = new V1ObjectMeta { Name = roleName },
            RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "ClusterRole", Name = roleName },
            Subjects = [new Rbacv1Subject { Kind = "ServiceAccount", Name = account, NamespaceProperty = ns }],
        });
        var token = (await cluster.Client.CoreV1.CreateNamespacedServiceAccountTokenAsync(new Authenticationv1TokenRequest { Spec = new V1TokenRequestSpec() }, account, ns)).Status.Token;
        using var reader = new Kubernetes(cluster.Server.CreateClientConfiguration(token));

        var slices = await reader.DiscoveryV1.ListNamespacedEndpointSliceAsync("default", fieldSelector: "metadata.name=kubernetes");
        Assert.Equal("kubernetes", Assert.Single(slices.Items).Metadata.Name);
        var endpoints = await reader.CoreV1.ListNamespacedEndpointsAsync("default", fieldSelector: "metadata.name=kubernetes");
        Assert.Equal("kubernetes", Assert.Single(endpoints.Items).Metadata.Name);

        var unnamed = await Assert.ThrowsAsync<HttpOperationException>(() => reader.DiscoveryV1.ListNamespacedEndpointSliceAsync("default"));
        Assert.Equal(HttpStatusCode.Forbidden, unnamed.Response.StatusCode);
    }
}
