using System.Net;
using System.Text.RegularExpressions;
using AgentOperator.KubectlAgents.Cli;
using Microsoft.AspNetCore.Http;

namespace AgentOperator.KubectlAgents.Console;

/// <summary>What every page handler works with: the cluster as the user, the collector when configured, the CSRF token, the clock.</summary>
public sealed partial class ConsoleContext(ClusterReader cluster, CollectorClient? collector, ConsoleGuard guard, TimeProvider time)
{
    public ClusterReader Cluster { get; } = cluster;

    public CollectorClient? Collector { get; } = collector;

    public string CsrfToken => guard.CsrfToken;

    public TimeProvider Time { get; } = time;

    /// <summary>What the runs, evidence and audit parts say when the console was started without <c>--collector</c>.</summary>
    public const string NoCollector =
        "Runs, evidence and audit verification come from the audit collector: start the console with --collector URL "
        + "(for example after kubectl -n agentoperator-system port-forward svc/agentoperator-audit-collector 18080:8080, use --collector http://127.0.0.1:18080).";

    /// <summary>
    /// Runs a page: a refusal from the API server or the collector becomes the page with the reason (403, 404, 409 as the
    /// server said; 502 when it cannot be reached), never an unhandled 500.
    /// </summary>
    public static async Task<IResult> RenderAsync(string title, string active, Func<Task<string>> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        try
        {
            return Results.Content(Html.Page(title, active, await body()), "text/html; charset=utf-8");
        }
        catch (CommandFailureException e)
        {
            return Results.Content(Html.Page(title, active, Html.Notice(e.Message, error: true)), "text/html; charset=utf-8", statusCode: StatusOf(e.Message));
        }
    }

    /// <summary>A 400 page naming the path value that is not a Kubernetes name, or null when all are.</summary>
    public static IResult? BadName(string title, string active, params (string Field, string Value)[] values) =>
        values.FirstOrDefault(v => !DnsName().IsMatch(v.Value)) is { Field: not null } bad
            ? Results.Content(Html.Page(title, active, Html.Notice($"{bad.Field} '{bad.Value}' is not a Kubernetes object name: lowercase letters, digits, '-' and '.', at most 253", error: true)),
                "text/html; charset=utf-8", statusCode: StatusCodes.Status400BadRequest)
            : null;

    private static int StatusOf(string message) =>
        message.Contains("(Forbidden)", StringComparison.Ordinal) || message.Contains("(Unauthorized)", StringComparison.Ordinal) ? (int)HttpStatusCode.Forbidden
        : message.Contains("(NotFound)", StringComparison.Ordinal) ? (int)HttpStatusCode.NotFound
        : message.Contains("(Conflict)", StringComparison.Ordinal) || message.Contains(" already ", StringComparison.Ordinal) ? (int)HttpStatusCode.Conflict
        : message.Contains("cannot reach", StringComparison.Ordinal) ? (int)HttpStatusCode.BadGateway
        : (int)HttpStatusCode.BadRequest;

    [GeneratedRegex("^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$")]
    private static partial Regex DnsName();
}
