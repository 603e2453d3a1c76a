using System.Text.Json;
using AgentOperator.Operator.Analysis;

namespace AgentOperator.Operator.Tests.Analysis;

public sealed class RevisionTotalsTests
{
    // Two gateways of the canary (as an aggregator would serve them) and one of stable.
    private static readonly JsonElement Aggregates = JsonDocument.Parse("""
        {"revisions":[
          {"workflow":"w","revision":"c","runsByOutcome":{"success":3,"escalated":1},"toolCallsByDecision":{"allow":9,"error":1},"violationsByRule":{"r":1},"escalations":1,"tokens":10,"costUsd":0.3,"evalPassRatio":1.0},
          {"workflow":"w","revision":"c","runsByOutcome":{"success":1,"escalated":3},"toolCallsByDecision":{"allow":10},"violationsByRule":{},"escalations":0,"tokens":10,"costUsd":0.1,"evalPassRatio":0.5},
          {"workflow":"w","revision":"s","runsByOutcome":{"success":100},"toolCallsByDecision":{},"violationsByRule":{},"escalations":0,"tokens":0,"costUsd":0,"evalPassRatio":null}
        ]}
        """).RootElement;

    [Fact]
    public void Every_entry_of_the_workflow_revision_is_summed()
    {
        var totals = RevisionTotals.From(Aggregates, "w", "c");

        Assert.Equal(new Measurement(0.5, 8), totals.Measure(AgentMeasure.EscalationRate));
        Assert.Equal(new Measurement(0.05, 20), totals.Measure(AgentMeasure.ToolErrorRate));
        Assert.Equal(new Measurement(1, 8), totals.Measure(AgentMeasure.PolicyViolations));
        Assert.Equal(0.1, totals.Measure(AgentMeasure.CostPerSuccessfulTask).Value!.Value, 9);
        Assert.Equal(new Measurement(0.75, 2), totals.Measure(AgentMeasure.EvalPassRate));
    }

    [Fact]
    public void A_revision_without_entries_has_no_traffic()
    {
        var totals = RevisionTotals.From(Aggregates, "w", "other");

        Assert.Equal(new Measurement(null, 0), totals.Measure(AgentMeasure.EscalationRate));
        Assert.Equal(Measurement.NoData, totals.Measure(AgentMeasure.EvalPassRate));
    }

    [Fact]
    public void A_document_without_revisions_is_not_the_aggregates_shape() =>
        Assert.Throws<JsonException>(() => RevisionTotals.From(JsonDocument.Parse("""{"data":[]}""").RootElement, "w", "c"));
}
