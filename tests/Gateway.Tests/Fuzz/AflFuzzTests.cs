using System.Diagnostics;
using System.Globalization;
using Xunit.Abstractions;

namespace AgentOperator.Gateway.Tests.Fuzz;

/// <summary>
/// The coverage-guided half of fuzzing, bounded: AFL++ drives the SharpFuzz target of the request parser and the
/// decision pipeline (tests/Policy.Fuzz) through tests/Policy.Fuzz/run-afl.sh, on a copy of this build, for AFL_SECONDS
/// (default 60). Any crash fails the test with the input, to be kept under Fuzz/crashes and replayed from then on.
/// </summary>
public sealed class AflFuzzTests(ITestOutputHelper output)
{
    private static readonly string[] ReportedStats = ["run_time", "execs_done", "execs_per_sec", "corpus_count", "edges_found", "stability", "saved_crashes", "saved_hangs"];

    [AflFact]
    public async Task Coverage_guided_fuzzing_of_the_parser_and_the_pipeline_finds_no_crash_in_a_bounded_run()
    {
        var seconds = int.TryParse(Environment.GetEnvironmentVariable("AFL_SECONDS"), out var configured) ? configured : 60;
        var (root, build) = PolicyFuzzBuild();
        var findings = Directory.CreateTempSubdirectory("afl-findings-").FullName;
        try
        {
            var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var argument in new[] { Path.Combine(root, "tests", "Policy.Fuzz", "run-afl.sh"), seconds.ToString(CultureInfo.InvariantCulture), findings })
            {
                info.ArgumentList.Add(argument);
            }

            info.Environment["AFL_FROM_BUILD"] = build;
            info.Environment["PATH"] = $"{Environment.GetEnvironmentVariable("PATH")}{Path.PathSeparator}{AflTools.DotnetToolsDirectory}";
            using var process = Process.Start(info)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(seconds + 240));
            try
            {
                await process.WaitForExitAsync(bound.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                Assert.Fail($"run-afl.sh did not end within {seconds + 240} s");
            }

            var log = (await stdout) + (await stderr);
            var statsFile = Path.Combine(findings, "default", "fuzzer_stats");
            Assert.True(process.ExitCode == 0 && File.Exists(statsFile), $"run-afl.sh exited {process.ExitCode} without fuzzer_stats; its output ended:\n{Tail(log)}");
            var stats = File.ReadAllLines(statsFile).Select(l => l.Split(':', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0].Trim(), p => p[1].Trim(), StringComparer.Ordinal);
            output.WriteLine(string.Join('\n', ReportedStats.Select(key => $"{key}: {stats.GetValueOrDefault(key)}")));

            Assert.True(long.Parse(stats["execs_done"], CultureInfo.InvariantCulture) > 0, $"AFL executed nothing; its output ended:\n{Tail(log)}");
            var crashes = Directory.EnumerateFiles(Path.Combine(findings, "default", "crashes")).Where(f => !f.EndsWith("README.txt", StringComparison.Ordinal)).ToList();
            Assert.True(crashes.Count == 0, "AFL found inputs that crash the parser or the pipeline; keep each under tests/Gateway.Tests/Fuzz/crashes/:\n"
                + string.Join('\n', crashes.Select(c => $"{Path.GetFileName(c)}: base64 {Convert.ToBase64String(File.ReadAllBytes(c))}")));
        }
        finally
        {
            Directory.Delete(findings, recursive: true);
        }
    }

    // This suite's build of tests/Policy.Fuzz (same configuration and framework), which the solution build made.
    private static (string Root, string Build) PolicyFuzzBuild()
    {
        var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var framework = here.Name;
        var configuration = here.Parent!.Name;
        var root = here;
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "AgentOperator.sln")))
        {
            root = root.Parent;
        }

        Assert.NotNull(root);
        var build = Path.Combine(root.FullName, "tests", "Policy.Fuzz", "bin", configuration, framework);
        Assert.True(File.Exists(Path.Combine(build, "Policy.Fuzz.dll")), $"no build of tests/Policy.Fuzz at {build}: build the solution first");
        return (root.FullName, build);
    }

    private static string Tail(string log) => string.Join('\n', log.Split('\n').TakeLast(30));
}
