using System.Collections.Concurrent;
using System.ComponentModel;
using System.Diagnostics;

namespace AgentOperator.Manifests.Tests.Infrastructure;

/// <summary>
/// Runs the real <c>kubectl kustomize</c>: what users run is what the tests check. A missing kubectl is a
/// failure, not a skip, so a CI machine without it cannot pass silently (.ci/run installs it).
/// </summary>
public static class Kubectl
{
    private static readonly ConcurrentDictionary<string, Lazy<IReadOnlyList<KubeObject>>> Rendered = new(StringComparer.Ordinal);

    /// <summary>The objects <c>kubectl kustomize {directory}</c> renders; rendered once per test run.</summary>
    public static IReadOnlyList<KubeObject> Kustomize(string directory) =>
        Rendered.GetOrAdd(directory, d => new Lazy<IReadOnlyList<KubeObject>>(() => KubeObject.ParseAll(Run("kustomize", d)))).Value;

    /// <summary>Runs kubectl with the repository root as working directory and returns its stdout.</summary>
    public static string Run(params string[] arguments) => Tool.Run("kubectl", "kubectl (install the kubernetes-client package; .ci/run does)", arguments);
}

/// <summary>Runs an external tool and fails with its stderr when it exits non-zero.</summary>
public static class Tool
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Runs <paramref name="fileName"/> in the repository root; <paramref name="installHint"/> names how to get it.</summary>
    public static string Run(string fileName, string installHint, params string[] arguments) => Run(DefaultTimeout, fileName, installHint, arguments);

    /// <summary>As <see cref="Run(string, string, string[])"/>, for tools that take longer than a minute (dotnet publish).</summary>
    public static string Run(TimeSpan timeout, string fileName, string installHint, params string[] arguments)
    {
        var startInfo = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = Repository.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(startInfo) ?? throw new InvalidOperationException($"{fileName} did not start");
        }
        catch (Win32Exception exception)
        {
            throw new InvalidOperationException($"{fileName} is not on PATH: these tests run the real tool. Install {installHint}.", exception);
        }

        using (process)
        {
            // Read both streams concurrently: a full stderr pipe would otherwise block the child forever.
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(timeout))
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"{fileName} {string.Join(' ', arguments)} did not finish within {timeout.TotalSeconds} s");
            }

            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"{fileName} {string.Join(' ', arguments)} exited with {process.ExitCode}:\n{stderr.Result}{stdout.Result}");
            }

            return stdout.Result;
        }
    }
}
