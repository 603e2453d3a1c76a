using System.Text.Json;
using AgentOperator.Contracts;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace AgentOperator.Operator.Tests.Notifications;

/// <summary>
/// A metrics source whose run outcomes the test sets: the gateway's <c>/v1/aggregates</c> document on a loopback port,
/// read by the operator's own web analysis provider (<c>AnalysisOptions.WebUrlOverride</c>) as it reads a real gateway's.
/// </summary>
internal sealed class ScriptedAggregates : IAsyncDisposable
{
    private readonly WebApplication _app;
    private volatile GatewayAggregates _document = new([]);

    private ScriptedAggregates(WebApplication app) => _app = app;

    public Uri Url { get; private set; } = null!;

    public static async Task<ScriptedAggregates> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var source = new ScriptedAggregates(app);
        app.MapGet(GatewayAggregates.Path, (HttpContext context) => context.Response.WriteAsync(JsonSerializer.Serialize(source._document), context.RequestAborted));
        await app.StartAsync();
        var address = app.Services.GetService(typeof(IServer)) is IServer server ? server.Features.Get<IServerAddressesFeature>()!.Addresses.First() : throw new InvalidOperationException("no server");
        source.Url = new Uri(new Uri(address), GatewayAggregates.Path);
        return source;
    }

    /// <summary>From now on every revision of <paramref name="workflow"/> in <paramref name="revisions"/> reports these completed runs.</summary>
    public void Runs(string workflow, IEnumerable<string> revisions, IReadOnlyDictionary<string, long> byOutcome)
    {
        var entries = revisions.Select(revision =>
        {
            var entry = new RevisionAggregates { Workflow = workflow, Revision = revision };
            foreach (var (outcome, count) in byOutcome)
            {
                entry.RunsByOutcome[outcome] = count;
            }

            return entry;
        }).ToList();
        _document = new GatewayAggregates(entries);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
