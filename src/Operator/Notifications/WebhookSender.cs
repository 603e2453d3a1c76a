using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace AgentOperator.Operator.Notifications;

/// <summary>
/// POSTs one body to one webhook: retried with exponential back-off (±10 % jitter, a receiver's Retry-After honoured up
/// to <see cref="NotificationOptions.MaxBackoff"/>) on timeouts, connection failures, 408, 429 and 5xx; a 2xx delivers;
/// any other 4xx is final (a wrong URL or payload does not get better by asking again). Redirects are not followed: a
/// webhook URL is a credential and goes nowhere else. Logs and results name the webhook, never its URL.
/// </summary>
internal sealed partial class WebhookSender(HttpClient http, NotificationOptions options, NotificationMetricsRecorder metrics, TimeProvider time, ILogger<WebhookSender> logger)
{
    public static HttpClient CreateClient() => new(new SocketsHttpHandler
    {
        AllowAutoRedirect = false,
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        ConnectTimeout = TimeSpan.FromSeconds(10),
    })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    public async Task<DeliveryResult> SendAsync(string @namespace, Webhook webhook, Uri url, string body, CancellationToken cancellationToken)
    {
        var problem = "";
        for (var attempt = 1; ; attempt++)
        {
            TimeSpan? retryAfter = null;
            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                timeout.CancelAfter(options.AttemptTimeout);
                try
                {
                    using var request = new HttpRequestMessage(HttpMethod.Post, url)
                    {
                        Content = new StringContent(body, Encoding.UTF8, new MediaTypeHeaderValue("application/json")),
                    };
                    using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
                    var status = (int)response.StatusCode;
                    if (response.IsSuccessStatusCode)
                    {
                        metrics.Attempt(@namespace, webhook.Name, "delivered");
                        return DeliveryResult.Success(attempt);
                    }

                    problem = $"HTTP {status}";
                    if (!Retryable(response.StatusCode))
                    {
                        metrics.Attempt(@namespace, webhook.Name, "rejected");
                        LogRejected(@namespace, webhook.Name, status);
                        return DeliveryResult.Failed("rejected", $"the receiver answered HTTP {status}, which is not retried", attempt);
                    }

                    metrics.Attempt(@namespace, webhook.Name, "server_error");
                    retryAfter = RetryAfter(response);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    metrics.Attempt(@namespace, webhook.Name, "timeout");
                    problem = $"no answer within {options.AttemptTimeout.TotalSeconds:0.###} s";
                }
                catch (HttpRequestException e)
                {
                    // The exception's message may quote the request URI; only its kind is kept.
                    metrics.Attempt(@namespace, webhook.Name, "network_error");
                    problem = $"connection failed ({e.HttpRequestError})";
                }
            }

            if (attempt >= options.MaxAttempts)
            {
                LogGaveUp(@namespace, webhook.Name, attempt, problem);
                return DeliveryResult.Failed("gave_up", $"gave up after {attempt} attempts; last: {problem}", attempt);
            }

            var delay = Backoff(attempt, retryAfter);
            LogRetrying(@namespace, webhook.Name, attempt, problem, delay.TotalMilliseconds);
            await Task.Delay(delay, time, cancellationToken);
        }
    }

    /// <summary>The wait after failed attempt <paramref name="attempt"/> (1-based): initial × 2^(attempt-1), ±10 %, capped; a longer Retry-After wins up to the cap.</summary>
    public TimeSpan Backoff(int attempt, TimeSpan? retryAfter = null)
    {
        var exponential = options.InitialBackoff.TotalMilliseconds * Math.Pow(2, Math.Min(attempt - 1, 30));
        var jittered = exponential * (0.9 + (0.2 * Random.Shared.NextDouble()));
        var wait = TimeSpan.FromMilliseconds(Math.Min(jittered, options.MaxBackoff.TotalMilliseconds));
        return retryAfter is { } after && after > wait ? (after < options.MaxBackoff ? after : options.MaxBackoff) : wait;
    }

    private static bool Retryable(HttpStatusCode status) =>
        status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)status >= 500;

    private TimeSpan? RetryAfter(HttpResponseMessage response) =>
        response.Headers.RetryAfter switch
        {
            { Delta: { } delta } => delta,
            { Date: { } date } => date - time.GetUtcNow(),
            _ => null,
        };

    [LoggerMessage(Level = LogLevel.Information, Message = "Notification webhook {Namespace}/{Webhook}: attempt {Attempt} failed ({Problem}); retrying in {DelayMs:0} ms")]
    private partial void LogRetrying(string @namespace, string webhook, int attempt, string problem, double delayMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Notification webhook {Namespace}/{Webhook}: gave up after {Attempts} attempts ({Problem})")]
    private partial void LogGaveUp(string @namespace, string webhook, int attempts, string problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Notification webhook {Namespace}/{Webhook}: the receiver answered HTTP {Status}, not retried")]
    private partial void LogRejected(string @namespace, string webhook, int status);
}
