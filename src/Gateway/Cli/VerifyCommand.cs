using AgentOperator.Contracts;
using AgentOperator.Gateway.Audit;

namespace AgentOperator.Gateway.Cli;

/// <summary><c>verify --audit FILE</c>: checks the hash chain; exit 0 intact, 1 tampered, 2 usage.</summary>
public static class VerifyCommand
{
    public static async Task<int> RunAsync(CommandArguments args, TextWriter output, CancellationToken cancellationToken)
    {
        var path = args.Required("audit");
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
