using AgentOperator.Operator.Traffic;

namespace AgentOperator.Operator.Tests.Traffic;

public sealed class ReplicasTrafficRoutingTests
{
    private static readonly ReplicasTrafficRouting Provider = new();

    private static IEnumerable<(int N, int W, ReplicaSplit Split)> AllSplits() =>
        from n in Enumerable.Range(1, 20)
        from w in Enumerable.Range(0, 101)
        select (n, w, Provider.Replicas(n, w));

    [Theory]
    [InlineData(4, 0, 4, 0)]
    [InlineData(4, 5, 4, 1)]
    [InlineData(4, 25, 3, 1)]
    [InlineData(4, 30, 3, 2)]
    [InlineData(4, 50, 2, 2)]
    [InlineData(4, 100, 0, 4)]
    [InlineData(1, 1, 1, 1)]
    [InlineData(1, 99, 1, 1)]
    [InlineData(1, 100, 0, 1)]
    [InlineData(10, 25, 8, 3)]
    [InlineData(0, 50, 0, 0)]
    public void Replicas_follow_ceiling_for_canary_and_n_minus_floor_for_stable(int n, int w, int stable, int canary) =>
        Assert.Equal(new ReplicaSplit(stable, canary), Provider.Replicas(n, w));

    [Fact]
    public void Canary_has_pods_exactly_when_it_has_weight() =>
        Assert.All(AllSplits(), s => Assert.Equal(s.W > 0, s.Split.Canary > 0));

    [Fact]
    public void Total_is_n_or_one_surge_pod_more() =>
        Assert.All(AllSplits(), s => Assert.InRange(s.Split.Stable + s.Split.Canary, s.N, s.N + 1));

    [Fact]
    public void Neither_revision_gets_fewer_pods_than_its_weight_share() =>
        Assert.All(AllSplits(), s =>
        {
            Assert.True(s.Split.Canary * 100 >= s.N * s.W, $"N={s.N} w={s.W}: canary {s.Split.Canary}");
            Assert.True(s.Split.Stable * 100 >= s.N * (100 - s.W), $"N={s.N} w={s.W}: stable {s.Split.Stable}");
        });

    [Fact]
    public void Canary_grows_and_stable_shrinks_monotonically_with_weight()
    {
        foreach (var n in Enumerable.Range(1, 20))
        {
            for (var w = 1; w <= 100; w++)
            {
                var before = Provider.Replicas(n, w - 1);
                var after = Provider.Replicas(n, w);
                Assert.True(after.Canary >= before.Canary, $"N={n} w={w}: canary {before.Canary} → {after.Canary}");
                Assert.True(after.Stable <= before.Stable, $"N={n} w={w}: stable {before.Stable} → {after.Stable}");
            }
        }
    }

    [Fact]
    public void Full_weight_moves_every_pod_to_the_canary_and_zero_weight_keeps_them_stable() =>
        Assert.All(Enumerable.Range(1, 20), n =>
        {
            Assert.Equal(new ReplicaSplit(0, n), Provider.Replicas(n, 100));
            Assert.Equal(new ReplicaSplit(n, 0), Provider.Replicas(n, 0));
        });

    [Fact]
    public void Effective_canary_share_equals_the_weight_when_the_weight_is_a_whole_number_of_pods() =>
        Assert.All(AllSplits().Where(s => s.N * s.W % 100 == 0), s =>
        {
            Assert.Equal(s.N, s.Split.Stable + s.Split.Canary);
            Assert.Equal(s.W * s.N, s.Split.Canary * 100);
        });

    [Theory]
    [InlineData(-1, 0)]
    [InlineData(1, -1)]
    [InlineData(1, 101)]
    public void Replicas_reject_negative_counts_and_weights_outside_0_to_100(int n, int w) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Provider.Replicas(n, w));

    [Fact]
    public async Task Route_writes_nothing_and_is_in_effect_at_once()
    {
        var route = new TrafficRoute(TrafficWorkflows.Workflow("ns", "support"), "support-stable", "support-canary", 25);

        Assert.Equal(TrafficRouteResult.Applied, await Provider.RouteAsync(route, CancellationToken.None));
    }
}
