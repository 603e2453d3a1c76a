using System.Diagnostics;
using System.Net;
using AgentOperator.DevMode.Analysis;
using AgentOperator.Operator.Tests.Fixtures;

namespace AgentOperator.Operator.Tests.Analysis;

/// <summary>
/// A SIGKILLed dev mode or test run leaves its Prometheus running; the next start kills it, and leaves alone the
/// Prometheus of an owner that still runs.
/// </summary>
public sealed class AbandonedPrometheusTests
{
    private static readonly TimeSpan ExitWait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Starting_prometheus_kills_the_one_whose_owner_was_killed_and_spares_the_one_whose_owner_runs()
    {
        using var deadOwner = Sleeper();
        using var liveOwner = Sleeper();
        await using var abandoned = await LocalPrometheus.StartAsync();
        await using var kept = await LocalPrometheus.StartAsync();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        try
        {
            // Each started as a start does, then handed to another owner: one that is killed, one that runs on.
            OwnedBy(abandoned, deadOwner);
            OwnedBy(kept, liveOwner);
            deadOwner.Kill();
            await deadOwner.WaitForExitAsync();

            await using var started = await LocalPrometheus.StartAsync();

            // Another test (or dev mode) starting Prometheus at the same moment may be the one that reaps it: the outcome
            // is asserted, not which start brought it about.
            await Eventually.TrueAsync(async () => !await AnswersReadyAsync(http, abandoned), $"the Prometheus of the killed owner at {abandoned.Address} still answers", ExitWait);
            await Eventually.TrueAsync(() => !Directory.Exists(abandoned.WorkingDirectory), $"{abandoned.WorkingDirectory} of the killed owner is still there", ExitWait);
            Assert.True(await AnswersReadyAsync(http, kept), $"the Prometheus of an owner that still runs ({kept.Address}) was killed");
            Assert.True(Directory.Exists(kept.WorkingDirectory), $"{kept.WorkingDirectory} of an owner that still runs was deleted");
        }
        finally
        {
            if (!liveOwner.HasExited)
            {
                liveOwner.Kill();
            }
        }
    }

    private static Process Sleeper() => Process.Start("sleep", "600");

    private static void OwnedBy(LocalPrometheus prometheus, Process owner)
    {
        var identity = ProcessIdentity.Of(owner.Id) ?? throw new InvalidOperationException($"sleep (pid {owner.Id}) is not running");
        File.WriteAllText(Path.Combine(prometheus.WorkingDirectory, AbandonedPrometheus.OwnerFileName), identity.ToString());
    }

    private static async Task<bool> AnswersReadyAsync(HttpClient http, LocalPrometheus prometheus)
    {
        try
        {
            using var response = await http.GetAsync(new Uri(prometheus.Address, "-/ready"));
            return response.StatusCode == HttpStatusCode.OK;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }
}
