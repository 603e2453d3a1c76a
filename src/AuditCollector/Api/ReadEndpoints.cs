using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using AgentOperator.AuditCollector.Identity;
using AgentOperator.AuditCollector.Store;
using AgentOperator.AuditCollector.Telemetry;
using AgentOperator.Contracts;

namespace AgentOperator.AuditCollector.Api;

/// <summary>
/// What <c>verify</c> reads: the public checkpoint key (anyone), and a workflow's chains and their files as stored
/// (whoever may <c>get</c> the AgentWorkflow). Read-only: the store has no rewrite or delete API.
/// </summary>
public static partial class ReadEndpoints
{
    public static void MapReadApi(this IEndpointRouteBuilder app, ECDsa key)
    {
        var pem = key.ExportSubjectPublicKeyInfoPem();
        app.MapGet(AuditCollectorApi.PublicKeyPath, () => Results.Text(pem, "application/x-pem-file"));
        app.MapGet("/v1/audit/namespaces/{namespace}/workflows/{workflow}/chains", ListAsync);
        app.MapGet("/v1/audit/namespaces/{namespace}/workflows/{workflow}/chains/{pod}/{file}", ReadFileAsync);
    }

    private static async Task<IResult> ListAsync(string @namespace, string workflow, HttpRequest request, TokenAuthenticator authenticator, ChainStore store,
        CollectorMetrics metrics, CancellationToken cancellationToken) => await GatewayEndpoints.GuardAsync(metrics, async () =>
    {
        if (BadName(@namespace, workflow) is { } bad)
        {
            return bad;
        }

        await authenticator.AuthorizeReaderAsync(request, @namespace, workflow, cancellationToken);
        var directory = store.WorkflowDirectory(@namespace, workflow);
        List<AuditChainListing> chains = [];
        if (Directory.Exists(directory))
        {
            foreach (var chainDirectory in Directory.EnumerateDirectories(directory).Order(StringComparer.Ordinal))
            {
                var identityFile = Path.Combine(chainDirectory, AuditCollectorApi.Files.Identity);
                if (!File.Exists(identityFile) || JsonSerializer.Deserialize<GatewayIdentity>(await File.ReadAllTextAsync(identityFile, cancellationToken), AuditChain.SerializerOptions) is not { } identity)
                {
                    continue;
                }

                var writer = await store.GetAsync(identity, cancellationToken);
                var files = await new AuditChainDirectory(identity.Chain, chainDirectory).ListFilesAsync(cancellationToken);
                chains.Add(new AuditChainListing(identity.Chain, identity.Pod, identity.Revision, writer.DurableThrough, [.. files.Where(f => f != AuditCollectorApi.Files.Identity)], writer.LastCheckpoint));
            }
        }

        return Results.Json(chains, AuditChain.SerializerOptions);
    });

    private static async Task<IResult> ReadFileAsync(string @namespace, string workflow, string pod, string file, HttpRequest request, TokenAuthenticator authenticator,
        ChainStore store, CollectorMetrics metrics, CancellationToken cancellationToken) => await GatewayEndpoints.GuardAsync(metrics, async () =>
    {
        if (BadName(@namespace, workflow, pod) is { } bad)
        {
            return bad;
        }

        if (file is not (AuditCollectorApi.Files.Checkpoints or AuditCollectorApi.Files.Expiries) && !SegmentName().IsMatch(file))
        {
            return GatewayEndpoints.Problem(StatusCodes.Status404NotFound, $"'{file}' is not a file of a chain: segment-NNNNNNNNNNNN.jsonl, {AuditCollectorApi.Files.Checkpoints} or {AuditCollectorApi.Files.Expiries}");
        }

        await authenticator.AuthorizeReaderAsync(request, @namespace, workflow, cancellationToken);
        var path = Path.Combine(store.WorkflowDirectory(@namespace, workflow), pod, file);
        return File.Exists(path)
            ? Results.Stream(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete), "application/jsonl")
            : GatewayEndpoints.Problem(StatusCodes.Status404NotFound, $"chain {@namespace}/{pod} of workflow {workflow} has no {file}");
    });

    /// <summary>A 400 naming the first path value that is not a DNS name (so no path can leave the store), or null.</summary>
    internal static IResult? BadName(params string[] names) => names.FirstOrDefault(n => !DnsName().IsMatch(n)) is { } bad
        ? GatewayEndpoints.Problem(StatusCodes.Status400BadRequest, $"'{bad}' is not a Kubernetes object name (lowercase letters, digits, '-' and '.', at most 253)")
        : null;

    [GeneratedRegex("^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$")]
    private static partial Regex DnsName();

    [GeneratedRegex("^segment-[0-9]{12}\\.jsonl$")]
    private static partial Regex SegmentName();
}
