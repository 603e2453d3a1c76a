using System.Globalization;
using System.Text.Json.Nodes;

namespace AgentOperator.DevCluster.Streaming;

/// <summary>The metav1.Status an exec ends with on its error stream (remotecommand protocol v4 and later).</summary>
internal static class ExecStatus
{
    public static JsonObject Success() => new() { ["metadata"] = new JsonObject(), ["status"] = "Success" };

    /// <summary>A non-zero exit: reason NonZeroExitCode with the code in the ExitCode cause, which kubectl exits with.</summary>
    public static JsonObject NonZeroExit(int code, string message) => new()
    {
        ["metadata"] = new JsonObject(),
        ["status"] = "Failure",
        ["message"] = $"command terminated with non-zero exit code: {message}",
        ["reason"] = "NonZeroExitCode",
        ["details"] = new JsonObject
        {
            ["causes"] = new JsonArray(new JsonObject { ["reason"] = "ExitCode", ["message"] = code.ToString(CultureInfo.InvariantCulture) }),
        },
    };

    /// <summary>apierrors.NewInternalError, as kube-apiserver's stream translator reports a failure to reach the container.</summary>
    public static JsonObject Internal(string message) => new()
    {
        ["metadata"] = new JsonObject(),
        ["status"] = "Failure",
        ["message"] = $"Internal error occurred: {message}",
        ["reason"] = "InternalError",
        ["details"] = new JsonObject { ["causes"] = new JsonArray(new JsonObject { ["message"] = message }) },
        ["code"] = 500,
    };
}
