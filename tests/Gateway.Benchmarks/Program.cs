using AgentOperator.Gateway.Benchmarks;

// HTTP load over loopback: gateway overhead = latency through the gateway minus latency to the same
// upstream directly, per percentile. Run in Release:
//   dotnet run -c Release --project tests/Gateway.Benchmarks -- [requests] [concurrency] [--allocations] [--model]
// --allocations also prints the sampled bytes per request by allocated type during the gateway phase.
// --model measures chat completions through the model proxy instead of tool calls.
// --audit measures the durable audit path: a write's added latency waiting for the audit collector's acknowledgement,
// and the records per second the collector stores (run it at concurrency 32).
var sampleAllocations = args.Contains("--allocations");
var model = args.Contains("--model");
var audit = args.Contains("--audit");
args = [.. args.Where(a => a is not "--allocations" and not "--model" and not "--audit")];
var requests = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 20_000;
var concurrency = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 1;
if (audit)
{
    await AuditLoadRun.RunAsync(requests, concurrency, Console.Out, CancellationToken.None);
}
else
{
    await GatewayLoadRun.RunAsync(requests, concurrency, sampleAllocations, model, Console.Out, CancellationToken.None);
}
