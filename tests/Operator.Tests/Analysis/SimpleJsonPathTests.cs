using System.Text.Json;
using AgentOperator.Operator.Analysis;

namespace AgentOperator.Operator.Tests.Analysis;

public sealed class SimpleJsonPathTests
{
    private static readonly JsonElement Document = JsonDocument.Parse("""{"revisions":[{"costUsd":0.5,"runsByOutcome":{"success":3}},{"costUsd":1.5}]}""").RootElement;

    [Theory]
    [InlineData("$.revisions[0].costUsd", 0.5)]
    [InlineData("$.revisions[-1].costUsd", 1.5)]
    [InlineData("$['revisions'][0][\"runsByOutcome\"].success", 3)]
    public void Selects_by_names_and_indexes(string path, double expected) =>
        Assert.Equal(expected, SimpleJsonPath.Parse(path).Select(Document)!.Value.GetDouble());

    [Theory]
    [InlineData("$.revisions[2].costUsd")]
    [InlineData("$.nothing")]
    [InlineData("$.revisions.costUsd")]
    public void Missing_steps_select_nothing(string path) => Assert.Null(SimpleJsonPath.Parse(path).Select(Document));

    [Theory]
    [InlineData("revisions[0]")]
    [InlineData("$.revisions[?(@.x)]")]
    [InlineData("$..costUsd")]
    [InlineData("sum(agent_runs_total)")]
    public void Paths_outside_the_subset_are_query_defects(string path) =>
        Assert.Throws<AnalysisQueryException>(() => SimpleJsonPath.Parse(path));
}
