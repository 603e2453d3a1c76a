using System.Text.RegularExpressions;
using k8s.Models;

namespace AgentOperator.Operator.Workflows;

/// <summary>
/// A Secret a revision's pod references but that does not exist, as the kubelet reports it: a container waiting with
/// CreateContainerConfigError (<c>secret "x" not found</c>) or a FailedMount Event on the pod
/// (<c>MountVolume.SetUp failed for volume "v" : secret "x" not found</c>). Read from pod status and Events only: the
/// operator never reads Secrets.
/// </summary>
/// <param name="Secret">The Secret's name.</param>
/// <param name="Pod">The pod that reported it.</param>
/// <param name="Report">The kubelet's words (names only, never a value).</param>
internal sealed partial record MissingSecret(string Secret, string Pod, string Report)
{
    /// <summary>Every missing Secret the pods' container states and the FailedMount Events on them report, one per Secret.</summary>
    public static IReadOnlyList<MissingSecret> From(IEnumerable<V1Pod> pods, IEnumerable<Corev1Event> failedMounts)
    {
        var found = new Dictionary<string, MissingSecret>(StringComparer.Ordinal);
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var pod in pods)
        {
            names.Add(pod.Metadata.Name);
            var statuses = (pod.Status?.InitContainerStatuses ?? []).Concat(pod.Status?.ContainerStatuses ?? []);
            foreach (var waiting in statuses.Select(s => s.State?.Waiting).Where(w => w?.Reason == "CreateContainerConfigError"))
            {
                Add(found, pod.Metadata.Name, waiting!.Message);
            }
        }

        foreach (var failed in failedMounts.Where(e => e.InvolvedObject?.Kind == "Pod" && names.Contains(e.InvolvedObject.Name)))
        {
            Add(found, failed.InvolvedObject.Name, failed.Message);
        }

        return [.. found.Values.OrderBy(m => m.Secret, StringComparer.Ordinal)];
    }

    private static void Add(Dictionary<string, MissingSecret> found, string pod, string? report)
    {
        if (report is not null && NotFound().Match(report) is { Success: true } match)
        {
            found.TryAdd(match.Groups[1].Value, new MissingSecret(match.Groups[1].Value, pod, report));
        }
    }

    [GeneratedRegex("secret \"([^\"]+)\" not found")]
    private static partial Regex NotFound();
}
