using AgentOperator.Operator.Approvals;

namespace AgentOperator.Operator.Tests.Approvals;

public sealed class ExpiryCountdownTests
{
    [Theory]
    [InlineData(3900, "1h5m")]
    [InlineData(899.9, "14m")]
    [InlineData(120, "2m")]
    [InlineData(119.9, "110s")]
    [InlineData(9, "0s")]
    [InlineData(-5, "0s")]
    public void Time_left_reads_as_a_duration_rounded_down(double seconds, string text) =>
        Assert.Equal(text, ExpiryCountdown.Text(TimeSpan.FromSeconds(seconds)));

    [Fact]
    public void The_next_look_is_when_the_text_changes()
    {
        Assert.Equal(TimeSpan.FromSeconds(30), ExpiryCountdown.NextChangeIn(TimeSpan.FromSeconds(14 * 60 + 30)));
        Assert.Equal(TimeSpan.FromSeconds(5), ExpiryCountdown.NextChangeIn(TimeSpan.FromSeconds(95)));
        Assert.Equal(TimeSpan.FromMilliseconds(1), ExpiryCountdown.NextChangeIn(TimeSpan.FromMinutes(14)));
        Assert.Equal("13m", ExpiryCountdown.Text(TimeSpan.FromMinutes(14) - ExpiryCountdown.NextChangeIn(TimeSpan.FromMinutes(14))));
    }
}
