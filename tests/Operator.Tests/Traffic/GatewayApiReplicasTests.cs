using AgentOperator.Operator.Traffic;
using k8s;

namespace AgentOperator.Operator.Tests.Traffic;

public sealed class GatewayApiReplicasTests
{
    private static readonly GatewayApiTrafficRouting Provider = new(new Kubernetes(new KubernetesClientConfiguration { Host = "https://127.0.0.1:1" }));

    [Theory]
    [InlineData(4, 0, 4, 0)]
    [InlineData(4, 5, 4, 1)]
    [InlineData(4, 25, 4, 1)]
    [InlineData(4, 30, 4, 2)]
    [InlineData(4, 100, 4, 4)]
    [InlineData(1, 1, 1, 1)]
    [InlineData(0, 50, 0, 0)]
    public void Stable_keeps_every_replica_and_canary_gets_the_ceiling_of_its_share(int n, int w, int stable, int canary) =>
        Assert.Equal(new ReplicaSplit(stable, canary), Provider.Replicas(n, w));

    [Fact]
    public void Canary_has_pods_exactly_when_it_has_weight_and_never_fewer_than_its_share() =>
        Assert.All(
            from n in Enumerable.Range(1, 20) from w in Enumerable.Range(0, 101) select (n, w, split: Provider.Replicas(n, w)),
            s =>
            {
                Assert.Equal(s.n, s.split.Stable);
                Assert.Equal(s.w > 0, s.split.Canary > 0);
                Assert.True(s.split.Canary * 100 >= s.n * s.w);
                Assert.True(s.split.Canary <= s.n);
            });
}
