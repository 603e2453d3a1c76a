using AgentOperator.Gateway.Benchmarks;

// HTTP load over loopback: gateway overhead = latency through the gateway minus latency to the same
// upstream directly, per percentile. Run in Release:
//   dotnet run -c Release --project tests/Gateway.Benchmarks -- [requests] [concurrency] [--allocations]
// --allocations also prints the sampled bytes per request by allocated type during the gateway phase.
var sampleAllocations = args.Contains("--allocations");
args = [.. args.Where(a => a != "--allocations")];
var requests = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 20_000;
var concurrency = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 1;
await GatewayLoadRun.RunAsync(requests, concurrency, sampleAllocations, Console.Out, CancellationToken.None);
