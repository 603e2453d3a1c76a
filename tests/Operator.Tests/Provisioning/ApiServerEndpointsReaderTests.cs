using AgentOperator.Operator.Provisioning;
using k8s.Models;

namespace AgentOperator.Operator.Tests.Provisioning;

public sealed class ApiServerEndpointsReaderTests
{
    [Fact]
    public void Slice_ReadyAddressesTimesTcpPorts_AsHostCidrs()
    {
        var slice = new V1EndpointSlice
        {
            AddressType = "IPv4",
            Endpoints =
            [
                new() { Addresses = ["10.0.0.5"], Conditions = new() { Ready = true } },
                new() { Addresses = ["10.0.0.6"] }, // no conditions: ready
                new() { Addresses = ["10.0.0.7"], Conditions = new() { Ready = false } },
            ],
            Ports = [new() { Port = 6443, Protocol = "TCP" }, new() { Port = 6443, Protocol = "UDP" }, new() { Port = 8443 }],
        };

        var endpoints = ApiServerEndpointsReader.From(slice);

        Assert.Equal(
            [new("10.0.0.5/32", 6443), new("10.0.0.6/32", 6443), new("10.0.0.5/32", 8443), new("10.0.0.6/32", 8443)],
            endpoints);
    }

    [Fact]
    public void Slice_Ipv6_UsesSlash128()
    {
        var slice = new V1EndpointSlice { AddressType = "IPv6", Endpoints = [new() { Addresses = ["fd00::5"] }], Ports = [new() { Port = 6443 }] };

        Assert.Equal([new NetworkEndpoint("fd00::5/128", 6443)], ApiServerEndpointsReader.From(slice));
    }

    [Fact]
    public void Slice_Fqdn_GivesNothing()
    {
        var slice = new V1EndpointSlice { AddressType = "FQDN", Endpoints = [new() { Addresses = ["api.example.com"] }], Ports = [new() { Port = 443 }] };

        Assert.Empty(ApiServerEndpointsReader.From(slice));
    }

    [Fact]
    public void Endpoints_EverySubsetsAddressesTimesItsTcpPorts_NotReadyLeftOut()
    {
        var endpoints = new V1Endpoints
        {
            Subsets =
            [
                new()
                {
                    Addresses = [new() { Ip = "192.168.1.10" }],
                    NotReadyAddresses = [new() { Ip = "192.168.1.11" }],
                    Ports = [new() { Port = 6443, Protocol = "TCP" }],
                },
            ],
        };

        Assert.Equal([new NetworkEndpoint("192.168.1.10/32", 6443)], ApiServerEndpointsReader.From(endpoints));
    }
}
