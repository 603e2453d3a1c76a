using System.Net;
using System.Text.Json;
using AgentOperator.KubectlAgents.Cli;
using k8s.Autorest;

namespace AgentOperator.KubectlAgents.Kube;

/// <summary>Turns an API server refusal into kubectl's one-line error: the Status message the server wrote.</summary>
public static class ApiErrors
{
    public static async Task<T> Run<T>(Func<Task<T>> call, string what)
    {
        ArgumentNullException.ThrowIfNull(call);
        try
        {
            return await call();
        }
        catch (HttpOperationException e)
        {
            throw new CommandFailureException(Describe(e, what), e.Response.StatusCode);
        }
        catch (HttpRequestException e)
        {
            throw new CommandFailureException($"error: cannot reach the API server ({e.Message})");
        }
    }

    public static string Describe(HttpOperationException e, string what)
    {
        ArgumentNullException.ThrowIfNull(e);
        var message = StatusMessage(e.Response.Content);
        return e.Response.StatusCode switch
        {
            HttpStatusCode.NotFound => $"Error from server (NotFound): {message ?? what + " not found"}",
            HttpStatusCode.Forbidden => $"Error from server (Forbidden): {message ?? "forbidden"}",
            HttpStatusCode.Unauthorized => "error: You must be logged in to the server (Unauthorized)",
            HttpStatusCode.Conflict => $"Error from server (Conflict): {message ?? what + " changed meanwhile; try again"}",
            HttpStatusCode.UnprocessableEntity => $"Error from server (Invalid): {message ?? what + " is invalid"}",
            _ => $"Error from server ({(int)e.Response.StatusCode}): {message ?? e.Message}",
        };
    }

    private static string? StatusMessage(string? body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.String ? message.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
