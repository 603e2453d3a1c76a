using System.CommandLine;
using System.Globalization;
using AgentOperator.KubectlAgents.Cli;
using AgentOperator.KubectlAgents.Console;
using AgentOperator.KubectlAgents.Output;

namespace AgentOperator.KubectlAgents.Commands;

/// <summary>
/// <c>audit verify WORKFLOW [--since 24h] --collector URL</c>: verifies the hash chains of the workflow's audit records
/// in the collector's store against the collector's signed checkpoints and expiries, with the kubeconfig's bearer token
/// (the collector lets whoever may <c>get</c> the workflow read its chains). Every chain written to since the window is
/// verified from its first stored record, since a link can only be checked from the chain's start. Prints records
/// checked, each chain's head and anchor, and the first broken link; exits 1 when a chain fails verification.
/// </summary>
public static class AuditCommand
{
    public static Command Create(Func<ParseResult, CommandContext> contexts)
    {
        var workflow = new Argument<string>("WORKFLOW") { Description = "The AgentWorkflow" };
        var since = new Option<string>("--since") { Description = "Verify the chains written to in this window: a duration such as 30m, 1h or 24h", DefaultValueFactory = _ => "24h" };
        var collector = RunsCommand.CollectorOption();
        var verify = new Command("verify", "Verify the hash chains of a workflow's audit records; exit 1 when one is broken") { workflow, since, collector };
        verify.SetAction(async (parse, ct) =>
        {
            using var context = contexts(parse);
            var name = parse.GetValue(workflow)!;
            var ns = context.Session.Namespace;
            var from = context.Time.GetUtcNow() - RunsCommand.Duration(parse.GetValue(since)!);
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
            var client = new CollectorClient(http, RunsCommand.Collector(parse.GetValue(collector)!), context.Session.BearerToken);
            var chains = await client.VerifyChainsAsync(ns, name, from, context.Time, ct);
            var verified = chains.Where(c => c.Report is not null).Select(c => c.Report!).ToList();
            var broken = verified.Where(r => !r.IsIntact).ToList();
            var result = new AuditVerification(AuditVerification.Version, ns, name, from, broken.Count == 0, verified.Sum(r => r.Records),
                [.. chains.Select(c => new AuditVerification.Chain(c.Listing.Chain, c.Listing.Pod, c.Listing.Revision, c.Listing.DurableThrough,
                    c.Listing.Anchor?.Sequence, c.Listing.Anchor?.Sha256, c.Listing.Anchor?.Time, c.Report is not null, c.Report?.Records, c.Report?.Expired,
                    c.Report?.Checkpoints, c.Report?.AnchoredThrough, c.Report?.Problem, c.Report?.Sequence, c.Report?.File, c.Report?.Line))]);
            switch (context.Format)
            {
                case OutputFormat.Json:
                    ObjectOutput.WriteJson(context.Output, result);
                    break;
                case OutputFormat.Yaml:
                    ObjectOutput.WriteYaml(context.Output, result);
                    break;
                default:
                    Write(context.Output, chains, parse.GetValue(since)!);
                    break;
            }

            if (chains.Count == 0)
            {
                await context.Error.WriteLineAsync($"The audit store holds no chain of {ns}/{name}: no gateway of it has shipped records.");
            }

            foreach (var report in broken)
            {
                await context.Error.WriteLineAsync($"error: {report}");
            }

            return broken.Count == 0 ? 0 : 1;
        });
        return new Command("audit", "The audit trail of a workflow") { verify };
    }

    private static void Write(TextWriter output, IReadOnlyList<ChainVerification> chains, string since)
    {
        if (chains.Count == 0)
        {
            return;
        }

        var table = new Table(["CHAIN", "REVISION", "HEAD", "ANCHOR", "RECORDS", "EXPIRED", "CHECKPOINTS", "RESULT"]);
        foreach (var (listing, report) in chains)
        {
            table.Add(
            [
                listing.Chain, listing.Revision, Number(listing.DurableThrough),
                listing.Anchor is { } anchor ? $"{Number(anchor.Sequence)} sha256:{anchor.Sha256[..Math.Min(12, anchor.Sha256.Length)]}" : "-",
                report is null ? "-" : Number(report.Records), report is null ? "-" : Number(report.Expired), report is null ? "-" : Number(report.Checkpoints),
                report is null ? $"not verified: nothing written in the last {since}" : report.IsIntact ? "intact" : "TAMPERED" + (report.Sequence is { } s ? $" at {Number(s)}" : ""),
            ]);
        }

        table.WriteTo(output);
        var verified = chains.Where(c => c.Report is not null).Select(c => c.Report!).ToList();
        var idle = chains.Count - verified.Count;
        output.WriteLine();
        output.WriteLine((verified.All(r => r.IsIntact)
            ? $"Intact: {verified.Count} chain(s), {Number(verified.Sum(r => r.Records))} records verified against the collector's signed checkpoints."
            : $"TAMPERED: {verified.Count(r => !r.IsIntact)} of {verified.Count} chain(s) fail verification; the first broken link of each is on stderr.")
            + (idle == 0 ? "" : $" {idle} chain(s) with nothing written in the last {since} not verified (a longer --since verifies them)."));
    }

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);
}
