using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AgentOperator.DevMode.Analysis;
using AgentOperator.Operator.Analysis;
using static AgentOperator.Operator.Tests.Analysis.AnalysisScenario;

namespace AgentOperator.Operator.Tests.Analysis;

public sealed class LocalPrometheusTests
{
    private static readonly LocalPrometheusOptions Fast = new() { ScrapeInterval = TimeSpan.FromSeconds(1) };

    [Fact]
    public void Prometheus_is_installed_on_this_machine()
    {
        Assert.True(LocalPrometheus.IsInstalled, "no prometheus binary on PATH: apt-get install -y prometheus (.ci/run does)");
    }

    [Fact]
    public async Task Scrapes_the_targets_it_is_given_and_answers_queries_about_them()
    {
        var workflow = NewWorkflow();
        await using var gateway = await RevisionGateway.StartAsync(workflow, "canary1");
        await gateway.RunsAsync(2, "success");
        await using var prometheus = await LocalPrometheus.StartAsync(Fast);

        await prometheus.SetTargetsAsync([gateway.MetricsAddress]);
        await prometheus.WaitUntilScrapedAsync(PrometheusFixture.ScrapeTimeout);

        var provider = new PrometheusAnalysisProvider(new HttpClient(), prometheus.Address, TimeSpan.FromSeconds(5), TimeProvider.System);
        var runs = await provider.QueryAsync($"sum(agent_runs_total{{workflow=\"{workflow}\"}})", Scope(workflow, "canary1"), CancellationToken.None);
        Assert.Equal(2, runs);
        var up = await provider.QueryAsync($"up{{instance=\"{gateway.MetricsAddress.Authority}\",job=\"agent-gateways\"}}", Scope(workflow, "canary1"), CancellationToken.None);
        Assert.Equal(1, up);
    }

    [Fact]
    public async Task Setting_targets_replaces_the_scraped_set()
    {
        await using var first = await RevisionGateway.StartAsync(NewWorkflow(), "r1");
        await using var second = await RevisionGateway.StartAsync(NewWorkflow(), "r1");
        await using var prometheus = await LocalPrometheus.StartAsync(Fast);
        await prometheus.SetTargetsAsync([first.MetricsAddress]);
        await prometheus.WaitUntilScrapedAsync(PrometheusFixture.ScrapeTimeout);

        await prometheus.SetTargetsAsync([second.MetricsAddress]);
        await prometheus.WaitUntilScrapedAsync(PrometheusFixture.ScrapeTimeout);

        using var http = new HttpClient { BaseAddress = prometheus.Address };
        var targets = await http.GetFromJsonAsync<JsonObject>("api/v1/targets?state=active");
        var instances = targets!["data"]!["activeTargets"]!.AsArray().Select(t => t!["labels"]!["instance"]!.GetValue<string>());
        Assert.Equal([second.MetricsAddress.Authority], instances);
    }

    [Fact]
    public async Task Waiting_for_a_target_that_never_answers_times_out_naming_it()
    {
        await using var prometheus = await LocalPrometheus.StartAsync(Fast);
        var nobody = new Uri($"http://127.0.0.1:{Fixtures.FreePort.Pick()}/");
        await prometheus.SetTargetsAsync([nobody]);

        var timeout = await Assert.ThrowsAsync<TimeoutException>(() => prometheus.WaitUntilScrapedAsync(TimeSpan.FromSeconds(3)));

        Assert.Contains(nobody.Authority, timeout.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stopping_kills_prometheus_and_deletes_its_directory_and_later_targets_are_ignored()
    {
        var prometheus = await LocalPrometheus.StartAsync(Fast);
        var directory = prometheus.WorkingDirectory;
        Assert.True(File.Exists(Path.Combine(directory, "prometheus.yml")));

        await prometheus.StopAsync();

        Assert.False(Directory.Exists(directory), $"{directory} is still there");
        await prometheus.SetTargetsAsync([new Uri("http://127.0.0.1:1/")]);
        Assert.False(Directory.Exists(directory), "setting targets after stop recreated the directory");
        await prometheus.DisposeAsync();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        await Assert.ThrowsAsync<HttpRequestException>(() => http.GetAsync(new Uri(prometheus.Address, "-/ready")));
    }
}
