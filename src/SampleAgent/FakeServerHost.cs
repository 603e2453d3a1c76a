using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace AgentOperator.SampleAgent;

/// <summary>
/// Starts a minimal ASP.NET Core app for a fake upstream on an address (port 0 picks a free one), over HTTPS when given
/// a certificate selector (called with the TLS client's server name, so one listener can answer as several hosts), and
/// reports its URL.
/// </summary>
internal static class FakeServerHost
{
    public static async Task<(WebApplication App, Uri BaseUrl)> StartAsync(IPEndPoint endpoint, Func<string?, X509Certificate2?>? certificateForHost, Action<WebApplication> map, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(endpoint, listen =>
        {
            if (certificateForHost is not null)
            {
                listen.UseHttps(https => https.ServerCertificateSelector = (_, host) => certificateForHost(host));
            }
        }));
        var app = builder.Build();
        map(app);
        await app.StartAsync(cancellationToken);
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return (app, new UriBuilder(address) { Host = endpoint.Address.ToString() }.Uri);
    }
}
