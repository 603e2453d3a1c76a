using System.Net;
using AgentOperator.Contracts;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AgentOperator.Operator.Tests.DevMode;

/// <summary>
/// A gateway's metrics port answering <c>/v1/aggregates</c> JSON on a free loopback port (the test may change the
/// document, <see cref="Json"/>); disposing it ends the "gateway".
/// </summary>
internal sealed class AggregatesStub : IAsyncDisposable
{
    private readonly WebApplication _app;
    private volatile string _json = "";
    private bool _disposed;

    private AggregatesStub(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    public Uri Address { get; }

    /// <summary>The aggregates document's URL.</summary>
    public Uri AggregatesUrl => new(Address, GatewayAggregates.Path);

    /// <summary>The document answered from now on.</summary>
    public string Json
    {
        get => _json;
        set => _json = value;
    }

    public static async Task<AggregatesStub> StartAsync(string json)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        AggregatesStub? stub = null;
        app.MapGet(GatewayAggregates.Path, () => Results.Text(stub!.Json, "application/json"));
        await app.StartAsync();
        stub = new AggregatesStub(app, new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First())) { Json = json };
        return stub;
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
