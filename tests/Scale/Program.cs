using System.Globalization;
using AgentOperator.Scale;

// Scale harness (not run in CI): dotnet run -c Release --project tests/Scale -- [count=1000] [namespaces=10] [workers=8]
var count = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1000;
var namespaces = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 10;
var workers = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 8;
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};
await new ScaleRun(count, namespaces, workers).RunAsync(cancel.Token);
