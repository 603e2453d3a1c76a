using System.Security.Cryptography;
using AgentOperator.Contracts;
using AgentOperator.Gateway.Audit;

namespace AgentOperator.Gateway.Cli;

/// <summary>
/// <c>verify</c>: checks audit records; exit 0 intact, 1 tampered, 2 usage.
/// <list type="bullet">
/// <item><c>--audit FILE</c>: one gateway's local log, its hash chain only (truncation needs the store's anchors).</item>
/// <item><c>--collector URL --namespace NS --workflow NAME [--token-file FILE] [--public-key PEM]</c>: every chain of the
/// workflow in the audit store, against its signed checkpoints and expiries; the token must allow <c>get</c> on the
/// AgentWorkflow. Without <c>--public-key</c> the collector's key is fetched (pin it for an independent check).</item>
/// <item><c>--store DIR --namespace NS --workflow NAME --public-key PEM</c>: the same against a copy of the store's volume.</item>
/// </list>
/// </summary>
public static class VerifyCommand
{
    public static async Task<int> RunAsync(CommandArguments args, TextWriter output, CancellationToken cancellationToken)
    {
        if (args.Optional("audit") is { } path)
        {
            return await VerifyFileAsync(path, output, cancellationToken);
        }

        var collector = args.Optional("collector");
        var store = args.Optional("store");
        if ((collector is null) == (store is null))
        {
            throw new UsageException("give one of --audit FILE, --collector URL or --store DIR");
        }

        var @namespace = args.Required("namespace");
        var workflow = args.Required("workflow");
        using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(5) };
        using var key = ECDsa.Create();
        var publicKey = args.Optional("public-key") is { } pem ? await File.ReadAllTextAsync(pem, cancellationToken)
            : collector is not null ? await http.GetStringAsync(new Uri(new Uri(collector), AuditCollectorApi.PublicKeyPath), cancellationToken)
            : throw new UsageException("--store needs --public-key PEM: the collector's checkpoint key");
        key.ImportFromPem(publicKey);

        List<IAuditChainSource> chains = [];
        if (collector is not null)
        {
            var token = args.Optional("token-file") is { } tokenFile ? (await File.ReadAllTextAsync(tokenFile, cancellationToken)).Trim() : null;
            var uri = new Uri(collector);
            foreach (var listing in await CollectorChainSource.ListAsync(http, uri, token, @namespace, workflow, cancellationToken))
            {
                chains.Add(new CollectorChainSource(http, uri, token, @namespace, workflow, listing));
            }
        }
        else
        {
            var directory = Path.Combine(store!, "chains", @namespace, workflow);
            if (Directory.Exists(directory))
            {
                chains.AddRange(Directory.EnumerateDirectories(directory).Order(StringComparer.Ordinal).Select(d => new AuditChainDirectory($"{@namespace}/{Path.GetFileName(d)}", d)));
            }
        }

        if (chains.Count == 0)
        {
            await output.WriteLineAsync($"no audit chains are stored for workflow {@namespace}/{workflow}");
            return 0;
        }

        var tampered = 0;
        foreach (var chain in chains)
        {
            var report = await AuditChainVerifier.VerifyAsync(chain, key, TimeProvider.System, cancellationToken);
            tampered += report.IsIntact ? 0 : 1;
            await output.WriteLineAsync(report.ToString());
        }

        return tampered == 0 ? 0 : 1;
    }

    private static async Task<int> VerifyFileAsync(string path, TextWriter output, CancellationToken cancellationToken)
    {
        if (!File.Exists(path))
        {
            throw new UsageException($"audit log {path} does not exist");
        }

        var result = await AuditVerifier.VerifyAsync(path, cancellationToken);
        if (result.IsIntact)
        {
            await output.WriteLineAsync($"ok: {result.Records} records, chain intact, head sha256 {result.HeadSha256}");
            return 0;
        }

        await output.WriteLineAsync($"TAMPERED: line {result.FirstBadLine}: {result.Problem} ({result.Records} records verified before it)");
        return 1;
    }
}
