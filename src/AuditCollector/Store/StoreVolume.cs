namespace AgentOperator.AuditCollector.Store;

/// <summary>
/// A write to the store's volume that failed, as a refusal. A full volume (ENOSPC, or EDQUOT under a quota) is
/// 507 Insufficient Storage: the batch is fine and is resent as it is once there is room, so no 4xx; and 507 says why,
/// apart from 503 (the API server or another fault). Nothing of a refused batch is kept.
/// </summary>
public static class StoreVolume
{
    private const int NoSpace = 28;
    private const int QuotaExceeded = 122;

    /// <summary>True when <paramref name="exception"/> says the volume (or the collector's quota on it) is full.</summary>
    public static bool IsFull(IOException exception) => exception?.HResult is NoSpace or QuotaExceeded;

    /// <summary>The refusal of a batch whose write of <paramref name="what"/> failed.</summary>
    public static AppendResult Refusal(IOException exception, string what) => IsFull(exception)
        ? AppendResult.Refused(StatusCodes.Status507InsufficientStorage, "store",
            $"the audit store's volume is full: {what} could not be written ({exception.Message}); nothing of this batch was kept, and it is stored when it is sent again after space is freed or the volume grown")
        : AppendResult.Refused(StatusCodes.Status503ServiceUnavailable, "store", $"the audit store could not write {what}: {exception.Message}");
}
