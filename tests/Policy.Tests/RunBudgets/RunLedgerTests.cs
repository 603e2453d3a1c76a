using AgentOperator.Crds.V1Alpha1;
using AgentOperator.Policy.RunBudgets;
using Microsoft.Extensions.Time.Testing;

namespace AgentOperator.Policy.Tests.RunBudgets;

public class RunLedgerTests
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-11-25T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture));

    private RunLedger Ledger(Budgets budgets) => new("run-1", budgets, _time, "refund order ord_1");

    [Fact]
    public void Reservation_that_fits_is_granted_and_settle_releases_the_unused_part()
    {
        var ledger = Ledger(new Budgets { MaxTokensTotal = 10_000 });

        var first = ledger.TryReserve(new Usage(Tokens: 8_000));
        var second = ledger.TryReserve(new Usage(Tokens: 8_000));
        first.Reservation!.Settle(new Usage(Tokens: 1_000));
        var third = ledger.TryReserve(new Usage(Tokens: 8_000));

        Assert.True(first.Succeeded);
        Assert.False(second.Succeeded);
        Assert.Equal(BudgetNames.MaxTokensTotal, second.ExceededBudget);
        // the refusal terminated the run: the released tokens do not bring it back
        Assert.False(third.Succeeded);
        Assert.Equal(BudgetNames.MaxTokensTotal, ledger.TerminatedBy);
        Assert.Equal(1_000, ledger.Committed.Tokens);
    }

    [Fact]
    public void Settling_before_the_next_reservation_makes_room()
    {
        var ledger = Ledger(new Budgets { MaxTokensTotal = 10_000 });

        ledger.TryReserve(new Usage(Tokens: 8_000)).Reservation!.Settle(new Usage(Tokens: 1_000));
        var next = ledger.TryReserve(new Usage(Tokens: 8_000));

        Assert.True(next.Succeeded);
        Assert.Equal(new Usage(Tokens: 8_000), ledger.Reserved);
        Assert.Null(ledger.TerminatedBy);
    }

    [Theory]
    [InlineData(BudgetNames.MaxSteps)]
    [InlineData(BudgetNames.MaxToolCalls)]
    [InlineData(BudgetNames.MaxTokensTotal)]
    [InlineData(BudgetNames.MaxCostUsd)]
    public void Each_budget_terminates_the_run_with_its_name(string budget)
    {
        var (limits, unit) = budget switch
        {
            BudgetNames.MaxSteps => (new Budgets { MaxSteps = 3 }, new Usage(Steps: 1)),
            BudgetNames.MaxToolCalls => (new Budgets { MaxToolCalls = 3 }, Usage.OneToolCall),
            BudgetNames.MaxTokensTotal => (new Budgets { MaxTokensTotal = 300 }, new Usage(Tokens: 100)),
            _ => (new Budgets { MaxCostUsd = 0.3 }, new Usage(CostUsd: 0.1)),
        };
        var ledger = Ledger(limits);

        for (var i = 0; i < 3; i++)
        {
            Assert.True(ledger.TryReserve(unit).Reservation!.Settle(unit) is null);
        }

        var refused = ledger.TryReserve(unit);
        var afterwards = ledger.TryReserve(Usage.None);

        Assert.Equal(budget, refused.ExceededBudget);
        Assert.Contains(budget, refused.Reason, StringComparison.Ordinal);
        Assert.Equal(budget, afterwards.ExceededBudget);
        Assert.Equal(budget, ledger.Snapshot().TerminatedBy);
    }

    [Fact]
    public void Wall_time_terminates_the_run()
    {
        var ledger = Ledger(new Budgets { MaxWallTimeSeconds = 60 });

        Assert.True(ledger.TryReserve(Usage.OneToolCall).Succeeded);
        _time.Advance(TimeSpan.FromSeconds(60));

        Assert.Equal(BudgetNames.MaxWallTimeSeconds, ledger.TryReserve(Usage.OneToolCall).ExceededBudget);
        Assert.Equal(BudgetNames.MaxWallTimeSeconds, ledger.CheckTermination());
    }

    [Fact]
    public void Actual_usage_above_the_reservation_terminates_the_run()
    {
        var ledger = Ledger(new Budgets { MaxCostUsd = 1.0 });

        var reservation = ledger.TryReserve(new Usage(CostUsd: 0.5)).Reservation!;
        var exceeded = reservation.Settle(new Usage(CostUsd: 1.2));

        Assert.Equal(BudgetNames.MaxCostUsd, exceeded);
        Assert.Equal(BudgetNames.MaxCostUsd, ledger.TerminatedBy);
    }

    [Fact]
    public void Disposing_an_unsettled_reservation_releases_it_and_settles_only_once()
    {
        var ledger = Ledger(new Budgets { MaxToolCalls = 1 });

        using (ledger.TryReserve(Usage.OneToolCall).Reservation)
        {
            Assert.Equal(1, ledger.Snapshot().ToolCalls);
        }

        var reservation = ledger.TryReserve(Usage.OneToolCall).Reservation!;
        reservation.Settle(Usage.OneToolCall);
        reservation.Settle(Usage.OneToolCall);
        reservation.Dispose();

        Assert.Equal(Usage.OneToolCall, ledger.Committed);
        Assert.Equal(Usage.None, ledger.Reserved);
    }

    [Fact]
    public async Task Parallel_tool_calls_never_exceed_the_budget()
    {
        var ledger = Ledger(new Budgets { MaxToolCalls = 100 });
        var granted = 0;

        await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(() =>
        {
            for (var i = 0; i < 50; i++)
            {
                if (ledger.TryReserve(Usage.OneToolCall).Reservation is { } reservation)
                {
                    Interlocked.Increment(ref granted);
                    Thread.SpinWait(50);
                    reservation.Settle(Usage.OneToolCall);
                }
            }
        })));

        Assert.Equal(100, granted);
        Assert.Equal(100, ledger.Committed.ToolCalls);
        Assert.Equal(BudgetNames.MaxToolCalls, ledger.TerminatedBy);
    }

    [Fact]
    public async Task Parallel_model_calls_never_overspend_cost_or_tokens()
    {
        var ledger = Ledger(new Budgets { MaxCostUsd = 1.0, MaxTokensTotal = 1_000_000 });
        var reserve = new Usage(Steps: 1, Tokens: 3_000, CostUsd: 0.03);
        var granted = 0;
        using var start = new Barrier(8);

        await Task.WhenAll(Enumerable.Range(0, 8).Select(worker => Task.Run(() =>
        {
            start.SignalAndWait();
            for (var i = 0; i < 20; i++)
            {
                if (ledger.TryReserve(reserve).Reservation is not { } reservation)
                {
                    continue;
                }

                Interlocked.Increment(ref granted);
                // actual usage is always at most the reservation; sometimes all of it
                var actual = worker % 2 == 0 ? reserve : new Usage(Steps: 1, Tokens: 1_000, CostUsd: 0.01);
                reservation.Settle(actual);
            }
        })));

        Assert.True(ledger.Committed.CostUsd <= 1.0 + 1e-9, $"spent {ledger.Committed.CostUsd}");
        Assert.Equal(Usage.None with { }, ledger.Reserved with { CostUsd = Math.Round(ledger.Reserved.CostUsd, 9) });
        Assert.True(granted >= 33, $"only {granted} calls were granted");
        Assert.Equal(BudgetNames.MaxCostUsd, ledger.TerminatedBy);
    }

    [Fact]
    public void Growing_a_reservation_holds_more_only_while_the_budget_allows_and_never_terminates()
    {
        var ledger = new RunLedger("run-1", new Budgets { MaxTokensTotal = 1_000 }, _time);
        using var reservation = ledger.TryReserve(new Usage(Tokens: 600)).Reservation!;

        var grown = reservation.TryGrow(new Usage(Tokens: 400), out _);
        var beyond = reservation.TryGrow(new Usage(Tokens: 1), out var budget);

        Assert.True(grown);
        Assert.False(beyond);
        Assert.Equal(BudgetNames.MaxTokensTotal, budget);
        Assert.Equal(1_000, reservation.Amount.Tokens);
        Assert.Equal(1_000, ledger.Reserved.Tokens);
        Assert.Null(ledger.TerminatedBy);
    }

    [Fact]
    public void Snapshot_counts_in_flight_reservations()
    {
        var ledger = Ledger(new Budgets { MaxToolCalls = 10 });
        _ = ledger.TryReserve(Usage.OneToolCall);
        ledger.TryReserve(new Usage(Tokens: 40, CostUsd: 0.5)).Reservation!.Settle(new Usage(Tokens: 30, CostUsd: 0.25));
        _time.Advance(TimeSpan.FromSeconds(12));

        var snapshot = ledger.Snapshot();

        Assert.Equal(("run-1", "refund order ord_1", 1, 30L, 0.25, 12.0), (snapshot.RunId, snapshot.Task, snapshot.ToolCalls, snapshot.Tokens, snapshot.CostUsd, snapshot.ElapsedSeconds));
    }
}
