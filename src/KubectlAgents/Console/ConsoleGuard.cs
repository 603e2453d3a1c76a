using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace AgentOperator.KubectlAgents.Console;

/// <summary>
/// What keeps other web pages from using the console, which acts with the user's credentials: a Host header that is not
/// the loopback address and port we serve is refused (a DNS-rebound name cannot reach us); every POST must carry this
/// session's CSRF token (a random secret only our own pages hold) and, when the browser sends one, our own Origin.
/// Every answer forbids framing, inline script and style, and caching.
/// </summary>
public sealed class ConsoleGuard(int port)
{
    public const string CsrfField = "csrf";

    /// <summary>The per-session secret, new each time the console starts.</summary>
    public string CsrfToken { get; } = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
        headers.XFrameOptions = "DENY";
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        headers.CacheControl = "no-store";

        if (!IsOurHost(context.Request.Host))
        {
            await RefuseAsync(context, StatusCodes.Status403Forbidden,
                $"Host '{context.Request.Host}' is not this console's address: it answers only http://127.0.0.1:{port}, http://localhost:{port} or http://[::1]:{port}");
            return;
        }

        if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method))
        {
            if (!HttpMethods.IsPost(context.Request.Method))
            {
                await RefuseAsync(context, StatusCodes.Status405MethodNotAllowed, $"{context.Request.Method} is not served: pages are GET, actions are POST");
                return;
            }

            var origin = context.Request.Headers.Origin.ToString();
            if (origin.Length > 0 && !IsOurOrigin(origin))
            {
                await RefuseAsync(context, StatusCodes.Status403Forbidden, $"a request from origin '{origin}' cannot act here: only this console's own pages can");
                return;
            }

            if (!context.Request.HasFormContentType)
            {
                await RefuseAsync(context, StatusCodes.Status415UnsupportedMediaType, "actions are HTML form posts (application/x-www-form-urlencoded)");
                return;
            }

            var form = await context.Request.ReadFormAsync(context.RequestAborted);
            var token = form[CsrfField].ToString();
            if (!CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(token), Encoding.UTF8.GetBytes(CsrfToken)))
            {
                await RefuseAsync(context, StatusCodes.Status403Forbidden,
                    $"the form's {CsrfField} token is missing or not this session's: reload the page (the console issues a new token each time it starts)");
                return;
            }
        }

        await next(context);
    }

    private bool IsOurHost(HostString host) =>
        host.Port == port && host.Host is "127.0.0.1" or "localhost" or "[::1]";

    private bool IsOurOrigin(string origin) =>
        Uri.TryCreate(origin, UriKind.Absolute, out var uri) && uri.Scheme == "http" && uri.AbsolutePath == "/"
        && IsOurHost(new HostString(uri.IsDefaultPort ? uri.Host : $"{uri.Host}:{uri.Port}"));

    private static Task RefuseAsync(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync(message + "\n", context.RequestAborted);
    }
}
