using System.Diagnostics;
using AgentOperator.Operator.Tests.Fixtures;

namespace AgentOperator.Operator.Tests.Plugin;

/// <summary>
/// <c>kubectl agents ...</c> as a user runs it: the real kubectl finds the built <c>kubectl-agents</c> executable on the
/// PATH (as the README's install puts it there) and runs it with the user's kubeconfig.
/// </summary>
internal static class KubectlAgentsPlugin
{
    /// <summary>The directory holding the plugin's executable: the build output of src/KubectlAgents, copied next to the tests.</summary>
    internal static string PluginDirectory { get; } = File.Exists(Path.Combine(AppContext.BaseDirectory, "kubectl-agents"))
        ? AppContext.BaseDirectory
        : throw new InvalidOperationException($"kubectl-agents is not in {AppContext.BaseDirectory}: the test project must reference src/KubectlAgents");

    public static async Task<KubectlResult> RunAsync(string kubeconfig, params string[] args)
    {
        var start = new ProcessStartInfo("/usr/bin/kubectl") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["PATH"] = PluginDirectory + Path.PathSeparator + Environment.GetEnvironmentVariable("PATH");
        start.Environment["KUBECONFIG"] = kubeconfig;
        start.ArgumentList.Add("agents");
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return new KubectlResult(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Runs the plugin and fails the test with its stderr when it exits non-zero.</summary>
    public static async Task<string> SucceedAsync(string kubeconfig, params string[] args)
    {
        var result = await RunAsync(kubeconfig, args);
        Assert.True(result.ExitCode == 0, $"kubectl agents {string.Join(' ', args)} exited {result.ExitCode}: {result.Error}{result.Output}");
        return result.Output;
    }

    /// <summary>The cells of the table row whose first cell is <paramref name="key"/>, keyed by the header.</summary>
    public static IReadOnlyDictionary<string, string> Row(string table, string key)
    {
        var lines = table.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var header = lines[0];
        // kubectl-style columns: a header starts where its name starts; headers may hold one space ("KILL SWITCH").
        var starts = new List<int>();
        for (var i = 0; i < header.Length; i++)
        {
            if (header[i] != ' ' && (i == 0 || (header[i - 1] == ' ' && i >= 2 && header[i - 2] == ' ')))
            {
                starts.Add(i);
            }
        }

        var row = lines.Skip(1).FirstOrDefault(l => l.StartsWith(key + " ", StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"no row {key} in:\n{table}");
        var cells = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var c = 0; c < starts.Count; c++)
        {
            var end = c + 1 < starts.Count ? starts[c + 1] : Math.Max(row.Length, header.Length);
            var name = header[starts[c]..Math.Min(end, header.Length)].Trim();
            cells[name] = starts[c] >= row.Length ? "" : row[starts[c]..Math.Min(end, row.Length)].Trim();
        }

        return cells;
    }
}
