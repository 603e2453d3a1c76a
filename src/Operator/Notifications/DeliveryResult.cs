namespace AgentOperator.Operator.Notifications;

/// <summary>How sending one notification to one webhook ended: delivered, or why not (never the URL).</summary>
internal sealed record DeliveryResult(bool Delivered, string? FailureReason, string Detail, int Attempts)
{
    public static DeliveryResult Success(int attempts) => new(true, null, "delivered", attempts);

    public static DeliveryResult Failed(string reason, string detail, int attempts) => new(false, reason, detail, attempts);
}
