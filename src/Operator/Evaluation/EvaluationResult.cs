using System.Globalization;
using AgentOperator.Crds.V1Alpha1;
using k8s.Models;

namespace AgentOperator.Operator.Evaluation;

/// <summary>
/// The verdict of a canary's eval Job: <see cref="EvaluationPhase.Running"/> until the Job is finished, then
/// <see cref="EvaluationPhase.Passed"/> when the eval container's termination message is a pass ratio of at least
/// minPassRate, else <see cref="EvaluationPhase.Failed"/> with the reason in <see cref="Message"/>.
/// </summary>
/// <param name="Phase">Running, Passed or Failed.</param>
/// <param name="PassRate">The ratio the eval reported, when it reported one.</param>
/// <param name="Message">Why, in one sentence (for status.evaluation.message, Events and conditions).</param>
internal sealed record EvaluationResult(EvaluationPhase Phase, double? PassRate, string Message)
{
    /// <summary>The Job controller's label naming a pod's Job (Kubernetes 1.27+).</summary>
    public const string JobNameLabel = "batch.kubernetes.io/job-name";

    /// <summary>The same label as older Job controllers set it.</summary>
    public const string LegacyJobNameLabel = "job-name";

    /// <summary>The Job controller's label with the Job's uid.</summary>
    public const string ControllerUidLabel = "batch.kubernetes.io/controller-uid";

    /// <summary>The same label as older Job controllers set it.</summary>
    public const string LegacyControllerUidLabel = "controller-uid";

    private const int QuotedMessageLength = 64;

    public static EvaluationResult Running(string message) => new(EvaluationPhase.Running, null, message);

    public static EvaluationResult Passed(double passRate, string message) => new(EvaluationPhase.Passed, passRate, message);

    public static EvaluationResult Failed(string message, double? passRate = null) => new(EvaluationPhase.Failed, passRate, message);

    /// <summary>
    /// Reads <paramref name="job"/> and its pods. <paramref name="pods"/> may hold other pods too: only those of this
    /// Job (by controller owner uid, or by the job-name label) are read.
    /// </summary>
    public static EvaluationResult Read(V1Job job, IEnumerable<V1Pod> pods, double minPassRate)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(pods);
        var name = job.Metadata?.Name ?? throw new ArgumentException("the Job has no name", nameof(job));
        var own = pods.Where(p => BelongsTo(p, job)).ToList();

        if (IsTrue(job, "Complete"))
        {
            var succeeded = Newest(own.Where(p => p.Status?.Phase == "Succeeded"));
            return succeeded is null
                ? Failed($"the eval Job {name} completed but none of its pods is left to read the pass ratio from")
                : FromTerminationMessage(EvalTermination(succeeded)?.Message, minPassRate);
        }

        if (Condition(job, "Failed") is { Status: "True" } failed)
        {
            return Failed(FailureReason(job, failed, Newest(own.Where(p => p.Status?.Phase == "Failed"))));
        }

        return Running($"the eval Job {name} is running");
    }

    /// <summary>The verdict of a finished eval whose termination message is <paramref name="message"/>.</summary>
    public static EvaluationResult FromTerminationMessage(string? message, double minPassRate)
    {
        var text = message?.Trim();
        if (string.IsNullOrEmpty(text))
        {
            return Failed("the eval container wrote no termination message; it must write its pass ratio (0 to 1) there");
        }

        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var ratio) || !double.IsFinite(ratio) || ratio is < 0 or > 1)
        {
            var quoted = text.Length > QuotedMessageLength ? text[..QuotedMessageLength] + "…" : text;
            return Failed($"termination message '{quoted}' is not a pass ratio (a number from 0 to 1)");
        }

        var value = Format(ratio);
        var threshold = Format(minPassRate);
        return ratio >= minPassRate
            ? Passed(ratio, $"eval pass rate {value} reached minPassRate {threshold}")
            : Failed($"eval pass rate {value} is below minPassRate {threshold}", ratio);
    }

    private static string FailureReason(V1Job job, V1JobCondition failed, V1Pod? pod)
    {
        var name = job.Metadata.Name;
        if (failed.Reason == "DeadlineExceeded")
        {
            return $"the eval Job {name} did not finish within its timeout of {job.Spec?.ActiveDeadlineSeconds?.ToString(CultureInfo.InvariantCulture) ?? "?"} s (DeadlineExceeded)";
        }

        if (pod is not null && EvalTermination(pod) is { } terminated)
        {
            var detail = string.IsNullOrWhiteSpace(terminated.Message) ? terminated.Reason : terminated.Message.Trim();
            return $"the eval container of Job {name} failed with exit code {terminated.ExitCode}: {detail} ({failed.Reason})";
        }

        return $"the eval Job {name} failed: {failed.Message ?? "no message"} ({failed.Reason ?? "no reason"})";
    }

    // The eval container is the Job's only regular container; the gateway sidecar is an init container.
    private static V1ContainerStateTerminated? EvalTermination(V1Pod pod)
    {
        var statuses = pod.Status?.ContainerStatuses ?? [];
        var eval = statuses.FirstOrDefault(s => s.Name == EvaluationJobBuilder.EvalContainer) ?? (statuses.Count == 1 ? statuses[0] : null);
        return eval?.State?.Terminated;
    }

    // By the controller's uid where there is one, so the pods of an earlier Job of the same name never count.
    private static bool BelongsTo(V1Pod pod, V1Job job)
    {
        var uid = job.Metadata.Uid;
        var labels = pod.Metadata?.Labels ?? new Dictionary<string, string>();
        if (uid is not null)
        {
            if (pod.Metadata?.OwnerReferences?.FirstOrDefault(o => o.Controller == true) is { } controller)
            {
                return string.Equals(controller.Uid, uid, StringComparison.Ordinal);
            }

            if (labels.TryGetValue(ControllerUidLabel, out var controllerUid) || labels.TryGetValue(LegacyControllerUidLabel, out controllerUid))
            {
                return string.Equals(controllerUid, uid, StringComparison.Ordinal);
            }
        }

        return (labels.TryGetValue(JobNameLabel, out var jobName) || labels.TryGetValue(LegacyJobNameLabel, out jobName))
            && string.Equals(jobName, job.Metadata.Name, StringComparison.Ordinal);
    }

    private static V1Pod? Newest(IEnumerable<V1Pod> pods) => pods.MaxBy(p => p.Metadata?.CreationTimestamp ?? DateTime.MinValue);

    private static V1JobCondition? Condition(V1Job job, string type) => job.Status?.Conditions?.FirstOrDefault(c => c.Type == type);

    private static bool IsTrue(V1Job job, string type) => Condition(job, type)?.Status == "True";

    private static string Format(double value) => value.ToString("0.####", CultureInfo.InvariantCulture);
}
