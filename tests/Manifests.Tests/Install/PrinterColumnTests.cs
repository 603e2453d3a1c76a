using System.Text.Json.Nodes;
using AgentOperator.Manifests.Tests.Infrastructure;

namespace AgentOperator.Manifests.Tests.Install;

/// <summary>
/// The <c>kubectl get</c> columns of the generated CRDs. A <c>date</c> column prints the age of its value
/// (apiextensions-apiserver: <c>HumanDuration(time.Since(t))</c>), and an age of a time still ahead is
/// <c>&lt;invalid&gt;</c>, so only times that have already happened may be date columns.
/// </summary>
public sealed class PrinterColumnTests
{
    public static TheoryData<string> CrdFiles() =>
        [.. Directory.EnumerateFiles(Repository.PathOf("config/crd/bases"), "*.yaml").Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal)];

    [Theory]
    [MemberData(nameof(CrdFiles))]
    public void Date_columns_show_only_times_already_past(string file)
    {
        var dateColumns = Columns(file).Where(c => (string?)c["type"] == "date").Select(c => (string)c["jsonPath"]!).ToList();

        Assert.All(dateColumns, path => Assert.True(path == ".metadata.creationTimestamp" || path.StartsWith(".status.", StringComparison.Ordinal),
            $"{file}: the date column on {path} would print <invalid> while that time lies ahead; make it a string column"));
    }

    [Fact]
    public void AgentApproval_shows_the_time_left_as_a_duration_and_the_expiry_timestamp_in_wide()
    {
        var columns = Columns("agentoperator.io_agentapprovals.yaml").ToList();
        var left = Assert.Single(columns, c => (string?)c["name"] == "Expires In");
        var at = Assert.Single(columns, c => (string?)c["name"] == "Expires At");

        Assert.Equal(("string", ".status.expiresIn", null), ((string?)left["type"], (string?)left["jsonPath"], (int?)left["priority"]));
        Assert.Equal(("string", ".spec.expiresAt", 1), ((string?)at["type"], (string?)at["jsonPath"], (int?)at["priority"]));
    }

    private static IEnumerable<JsonNode> Columns(string file) =>
        Yaml.Parse(Repository.Read($"config/crd/bases/{file}"))["spec"]!["versions"]!.AsArray()
            .SelectMany(v => v!["additionalPrinterColumns"]?.AsArray() ?? [])
            .OfType<JsonNode>();
}
