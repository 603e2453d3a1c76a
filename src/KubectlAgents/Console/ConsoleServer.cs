using AgentOperator.Crds.V1Alpha1;
using AgentOperator.KubectlAgents.Kube;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace AgentOperator.KubectlAgents.Console;

/// <summary>The console's web server: Kestrel on one loopback address, <see cref="ConsoleGuard"/> in front of every page.</summary>
public sealed class ConsoleServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly HttpClient _collectorHttp;

    private ConsoleServer(WebApplication app, HttpClient collectorHttp, Uri address)
    {
        _app = app;
        _collectorHttp = collectorHttp;
        Address = address;
    }

    /// <summary>Where the console answers, e.g. <c>http://127.0.0.1:3110/</c>.</summary>
    public Uri Address { get; }

    public static async Task<ConsoleServer> StartAsync(ConsoleOptions options, KubeSession session, TimeProvider time, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(options.Address, options.Port);
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = 64 * 1024;
        });
        var app = builder.Build();
        var guard = new ConsoleGuard();
        var collectorHttp = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var console = new ConsoleContext(new ClusterReader(session), options.Collector is null ? null : new CollectorClient(collectorHttp, options.Collector, session.BearerToken), guard, time);
        Map(app, guard, console);
        try
        {
            await app.StartAsync(ct);
        }
        catch (IOException e)
        {
            await app.DisposeAsync();
            collectorHttp.Dispose();
            throw new Cli.CommandFailureException($"error: cannot serve on {options.Address}:{options.Port} ({e.Message}); choose another --port");
        }

        var bound = new Uri(app.Urls.First());
        var address = new UriBuilder("http", options.Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? "[::1]" : options.Address.ToString(), bound.Port).Uri;
        return new ConsoleServer(app, collectorHttp, address);
    }

    // The guard comes first: nothing is routed before the Host, Origin and CSRF checks.
    private static void Map(WebApplication app, ConsoleGuard guard, ConsoleContext console)
    {
        app.Use((context, next) => guard.InvokeAsync(context, _ => next()));
        app.MapGet("/console.css", () => Results.Text(Html.Stylesheet, "text/css; charset=utf-8"));
        app.MapGet("/", (CancellationToken ct) => OverviewPage.RenderAsync(console, ct));
        app.MapGet("/workflows/{ns}/{name}", (string ns, string name, CancellationToken ct) => WorkflowPage.RenderAsync(ns, name, console, ct));
        app.MapGet("/workflows/{ns}/{name}/kill", (string ns, string name) => WorkflowPage.ConfirmKill(ns, name, console));
        app.MapPost("/workflows/{ns}/{name}/kill", (string ns, string name, HttpRequest request, CancellationToken ct) => WorkflowPage.KillAsync(ns, name, request, console, ct));
        app.MapPost("/workflows/{ns}/{name}/unkill", (string ns, string name, CancellationToken ct) => WorkflowPage.UnkillAsync(ns, name, console, ct));
        app.MapGet("/approvals", (CancellationToken ct) => ApprovalsPage.RenderAsync(console, ct));
        app.MapPost("/approvals/{ns}/{name}/approve", (string ns, string name, HttpRequest request, CancellationToken ct) => ApprovalsPage.DecideAsync(ns, name, ApproverVerdict.Approve, request, console, ct));
        app.MapPost("/approvals/{ns}/{name}/deny", (string ns, string name, HttpRequest request, CancellationToken ct) => ApprovalsPage.DecideAsync(ns, name, ApproverVerdict.Deny, request, console, ct));
        app.MapGet("/runs", (string? @namespace, string? workflow, CancellationToken ct) => RunsPage.ListAsync(@namespace, workflow, console, ct));
        app.MapGet("/runs/{ns}/{workflow}/{runId}", (string ns, string workflow, string runId, CancellationToken ct) => RunsPage.TraceAsync(ns, workflow, runId, console, ct));
        app.MapGet("/audit", (CancellationToken ct) => AuditPage.IndexAsync(console, ct));
        app.MapGet("/audit/{ns}/{workflow}", (string ns, string workflow, CancellationToken ct) => AuditPage.VerifyAsync(ns, workflow, console, ct));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _collectorHttp.Dispose();
    }
}
