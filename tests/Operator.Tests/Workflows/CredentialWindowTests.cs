using AgentOperator.Operator.Workflows;

namespace AgentOperator.Operator.Tests.Workflows;

public sealed class CredentialWindowTests
{
    private static readonly DateTimeOffset Created = new(2026, 11, 25, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public void For_InsideTheFirstWindow_ExpiresOneTtlAfterTheWindowEnds()
    {
        var window = CredentialWindow.For(Created, TimeSpan.FromSeconds(1000), Created.AddSeconds(10));

        Assert.Equal(Created.AddSeconds(800), window.WindowEnd);
        Assert.Equal(Created.AddSeconds(1800), window.ExpiresAt);
    }

    [Fact]
    public void For_SameWindow_SameValue_SoSteadyStateWritesNothing()
    {
        var early = CredentialWindow.For(Created, TimeSpan.FromSeconds(1000), Created.AddSeconds(801));
        var late = CredentialWindow.For(Created, TimeSpan.FromSeconds(1000), Created.AddSeconds(1599));

        Assert.Equal(early, late);
        Assert.Equal(Created.AddSeconds(1600), early.WindowEnd);
    }

    [Fact]
    public void For_AnyTime_BoundsEveryTokenIssuedUntilTheWindowEnds()
    {
        for (var seconds = 0; seconds < 5000; seconds += 37)
        {
            var now = Created.AddSeconds(seconds);
            var window = CredentialWindow.For(Created, TimeSpan.FromSeconds(600), now);
            Assert.True(window.ExpiresAt >= now.AddSeconds(600), $"at +{seconds}s a token issued now would outlive {window.ExpiresAt}");
            Assert.True(window.WindowEnd > now);
        }
    }
}
