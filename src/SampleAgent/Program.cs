using System.Collections;
using System.Globalization;
using System.Runtime.InteropServices;
using AgentOperator.SampleAgent;

// sample-agent                          the agent, configured by env (see SampleAgentOptions)
// sample-agent eval [--cases=N] [--pass-rate=R] [--suite=NAME]   an eval run; the flags override the env
// sample-agent fake-model [--port N]    an OpenAI-compatible fake model on 127.0.0.1
// sample-agent fake-tools [--port N] [--failure-rate R]   an echoing fake tool upstream on 127.0.0.1
using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    stop.Cancel();
});

try
{
    switch (args.FirstOrDefault())
    {
        case null or SampleAgentCommandLine.EvalCommand:
            var environment = Environment.GetEnvironmentVariables().Cast<DictionaryEntry>()
                .ToDictionary(e => (string)e.Key, e => (string?)e.Value, StringComparer.Ordinal);
            var options = SampleAgentCommandLine.Parse(args, environment);
            using (var http = options.GatewayUrl is null ? null : new HttpClient { BaseAddress = new Uri(options.GatewayUrl.AbsoluteUri.TrimEnd('/') + "/") })
            {
                var report = await SampleAgentRunner.RunAsync(options, http, TimeProvider.System, Console.Out, stop.Token);
                Console.WriteLine($"runs {report.RunsStarted} started, {report.RunsRefused} refused; outcomes {string.Join(", ", report.Outcomes.Select(o => $"{o.Key}={o.Value}"))}; violating calls {report.ViolatingCalls} ({report.ViolationsAllowed} let through)");
            }

            return 0;
        case "fake-model":
            await using (var model = await FakeModelServer.StartAsync(IntOption(args, "--port", 0), stop.Token))
            {
                Console.WriteLine($"fake model listening on {model.BaseUrl}v1");
                await WaitAsync(stop.Token);
            }

            return 0;
        case "fake-tools":
            var rate = double.Parse(Option(args, "--failure-rate") ?? "0", CultureInfo.InvariantCulture);
            await using (var tools = await FakeToolServer.StartAsync(IntOption(args, "--port", 0), rate, stop.Token))
            {
                Console.WriteLine($"fake tool upstream listening on {tools.BaseUrl}");
                await WaitAsync(stop.Token);
            }

            return 0;
        default:
            await Console.Error.WriteLineAsync($"unknown command '{args[0]}': expected no argument, eval, fake-model or fake-tools");
            return 2;
    }
}
catch (FormatException exception)
{
    await Console.Error.WriteLineAsync($"sample-agent: {exception.Message}");
    return 2;
}

static string? Option(string[] args, string name)
{
    var at = Array.IndexOf(args, name);
    return at >= 0 && at + 1 < args.Length ? args[at + 1] : null;
}

static int IntOption(string[] args, string name, int fallback) =>
    Option(args, name) is { } value ? int.Parse(value, CultureInfo.InvariantCulture) : fallback;

static async Task WaitAsync(CancellationToken cancellationToken)
{
    try
    {
        await Task.Delay(Timeout.Infinite, cancellationToken);
    }
    catch (OperationCanceledException)
    {
        // SIGTERM or Ctrl+C: stop serving.
    }
}
