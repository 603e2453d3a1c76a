using System.Globalization;
using System.Text.Json.Nodes;
using AgentOperator.Contracts;

namespace AgentOperator.SampleAgent;

/// <summary>
/// The simulated agent. In run mode it starts runs at the configured rate; each run calls its model roles,
/// then its tools, makes one policy-violating call when its plan says so, waits for approvals, and completes
/// with its planned outcome, or worse when the gateway refused an ordinary call. In eval mode it runs a
/// fixed number of tasks and writes the pass ratio to the termination-message path.
/// </summary>
public static class SampleAgentRunner
{
    /// <summary>How long an eval task waits out a tool's rate limit in total before the call counts as failed.</summary>
    public static readonly TimeSpan EvalRateLimitPatience = TimeSpan.FromSeconds(60);

    /// <summary>Runs against the gateway at <paramref name="gatewayUrl"/> (null: a simulated eval without a gateway).</summary>
    public static async Task<SampleAgentReport> RunAsync(SampleAgentOptions options, Uri? gatewayUrl, CancellationToken cancellationToken)
    {
        if (gatewayUrl is null)
        {
            return await RunAsync(options, gateway: null, TimeProvider.System, log: null, cancellationToken);
        }

        using var http = new HttpClient { BaseAddress = WithTrailingSlash(gatewayUrl), Timeout = TimeSpan.FromSeconds(100) };
        return await RunAsync(options, http, TimeProvider.System, log: null, cancellationToken);
    }

    /// <summary>
    /// Runs against <paramref name="gateway"/>, whose BaseAddress is the gateway's URL (null: a simulated eval).
    /// Cancellation stops starting runs and ends the ones in flight; the report covers what happened until then.
    /// </summary>
    public static async Task<SampleAgentReport> RunAsync(SampleAgentOptions options, HttpClient? gateway, TimeProvider timeProvider, TextWriter? log, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.EscalationRate + options.FailureRate > 1 + 1e-9)
        {
            throw new ArgumentException("escalation rate + failure rate must not exceed 1", nameof(options));
        }

        var counters = new ReportCounters();
        var client = gateway is null ? null : new GatewayClient(gateway);
        if (options.Mode == AgentMode.Eval)
        {
            var ratio = await EvaluateAsync(options, client, timeProvider, counters, log, cancellationToken);
            return counters.Snapshot(ratio);
        }

        if (client is null)
        {
            throw new ArgumentException("run mode needs a gateway", nameof(gateway));
        }

        await RunLoopAsync(options, client, timeProvider, counters, log, cancellationToken);
        return counters.Snapshot(evalPassRatio: null);
    }

    private static async Task RunLoopAsync(SampleAgentOptions options, GatewayClient client, TimeProvider timeProvider, ReportCounters counters, TextWriter? log, CancellationToken cancellationToken)
    {
        var planner = new RunPlanner(options);
        var interval = options.TasksPerMinute > 0 ? TimeSpan.FromMinutes(1 / options.TasksPerMinute) : TimeSpan.Zero;
        using var slots = new SemaphoreSlim(options.Concurrency);
        var inFlight = new List<Task>();
        var next = timeProvider.GetUtcNow();
        try
        {
            for (long index = 0; options.MaxRuns is not { } max || index < max; index++)
            {
                await slots.WaitAsync(cancellationToken);
                var plan = planner.Plan(index);
                inFlight.Add(RunReleasingAsync(plan));
                inFlight.RemoveAll(t => t.IsCompleted);

                // No wait after the last run: the caller gets its report as soon as the runs end.
                var last = options.MaxRuns is { } limit && index + 1 >= limit;
                if (interval > TimeSpan.Zero && !last)
                {
                    next += interval;
                    var wait = next - timeProvider.GetUtcNow();
                    if (wait > TimeSpan.Zero)
                    {
                        await Task.Delay(wait, timeProvider, cancellationToken);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stop starting runs; the ones in flight observe the same token.
        }

        await Task.WhenAll(inFlight);

        async Task RunReleasingAsync(RunPlan plan)
        {
            try
            {
                await RunOneAsync(options, client, plan, evalPassed: null, timeProvider, counters, log, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
            }
            catch (HttpRequestException exception)
            {
                // The gateway restarting is not the agent's end: the next run tries again.
                log?.WriteLine($"run {plan.Index}: gateway unreachable: {exception.Message}");
            }
            finally
            {
                slots.Release();
            }
        }
    }

    private static async Task<double> EvaluateAsync(SampleAgentOptions options, GatewayClient? client, TimeProvider timeProvider, ReportCounters counters, TextWriter? log, CancellationToken cancellationToken)
    {
        var planner = new RunPlanner(options with { EscalationRate = 0, FailureRate = 0, ViolationRate = 0 });
        var passes = new ExactShare(options.Seed, salt: 3, options.EvalTasks);
        var passed = 0;
        for (var index = 0; index < options.EvalTasks; index++)
        {
            var plannedPass = passes.Picks(index, options.EvalPassRate);
            var ok = plannedPass;
            if (client is not null)
            {
                var plan = planner.Plan(index) with { Outcome = plannedPass ? RunOutcomes.Success : RunOutcomes.Failed };
                if (options.EvalSuite is { } suite)
                {
                    plan = plan with { Task = $"[eval {suite}] {plan.Task}" };
                }

                try
                {
                    // A task passes only if the gateway let it do its work: a canary that breaks calls fails its eval.
                    var outcome = await RunOneAsync(options, client, plan, plannedPass, timeProvider, counters, log, cancellationToken);
                    ok = plannedPass && outcome == RunOutcomes.Success;
                }
                catch (HttpRequestException exception)
                {
                    log?.WriteLine($"eval task {index}: gateway unreachable: {exception.Message}");
                    ok = false;
                }
            }

            passed += ok ? 1 : 0;
        }

        var ratio = (double)passed / options.EvalTasks;
        var message = ratio.ToString("0.####", CultureInfo.InvariantCulture);
        await File.WriteAllTextAsync(options.TerminationMessagePath, message, cancellationToken);
        log?.WriteLine($"eval: {passed}/{options.EvalTasks} passed, wrote {message} to {options.TerminationMessagePath}");
        return ratio;
    }

    /// <returns>The outcome the run was completed with, or null when the gateway refused to start it.</returns>
    private static async Task<string?> RunOneAsync(SampleAgentOptions options, GatewayClient client, RunPlan plan, bool? evalPassed, TimeProvider timeProvider, ReportCounters counters, TextWriter? log, CancellationToken cancellationToken)
    {
        var (runId, started) = await client.StartRunAsync(plan.Task, cancellationToken);
        if (runId is null)
        {
            counters.RunRefused();
            log?.WriteLine($"run {plan.Index}: the gateway refused to start it ({started.Status} {started.Decision})");
            return null;
        }

        counters.RunStarted();
        var outcome = plan.Outcome;
        var stopped = false;

        foreach (var role in options.Roles)
        {
            var reply = await client.ChatAsync(runId, role, plan.Task, options.TokensPerCall, cancellationToken);
            counters.ModelCall(reply.Status);
            if (reply.Status != 200)
            {
                outcome = OutcomeSeverity.Worse(outcome, RunOutcomes.Failed);
                stopped = true;
                log?.WriteLine($"run {plan.Index}: model role {role} refused ({reply.Status} {reply.Decision})");
                break;
            }
        }

        var step = 0;
        for (var i = 0; !stopped && i < options.Tools.Count; i++)
        {
            var tool = options.Tools[i];
            var result = await CallWithApprovalAsync(options, client, runId, tool.Name, tool.Action, tool.Input, $"{runId}-{step++}", Packet(tool, plan.Task), timeProvider, counters, cancellationToken);
            if (result is not null)
            {
                outcome = OutcomeSeverity.Worse(outcome, result);
                stopped = true;
                log?.WriteLine($"run {plan.Index}: tool {tool.Name} ended the run as {result}");
            }
        }

        if (!stopped && plan.Violates)
        {
            // The one call policy must refuse: an input past a tool's limit, or a tool outside the allowlist.
            var violating = options.Tools.FirstOrDefault(t => t.ViolatingInput is not null);
            var (name, action, input) = violating is not null
                ? (violating.Name, violating.Action, violating.ViolatingInput!)
                : (options.ForbiddenTool, (string?)"read", new JsonObject { ["task"] = plan.Task });
            var reply = await client.CallToolAsync(runId, name, action, input, $"{runId}-{step}", approvalId: null, cancellationToken);
            counters.ToolCall(reply.Status);
            counters.Violation(allowed: reply.Status == 200);
        }

        var completed = await client.CompleteAsync(runId, outcome, evalPassed, cancellationToken);
        if (completed.Status == 200)
        {
            counters.Completed(outcome);
        }
        else
        {
            // 409: the gateway already ended the run (a budget ran out); it counted the outcome itself.
            log?.WriteLine($"run {plan.Index}: complete answered {completed.Status} {completed.Decision}");
        }

        return outcome;
    }

    /// <returns>null when the call succeeded; otherwise the outcome the run must end with.</returns>
    private static async Task<string?> CallWithApprovalAsync(SampleAgentOptions options, GatewayClient client, string runId, string tool, string? action, JsonObject input, string idempotencyKey,
        (string Intent, string Reason)? packet, TimeProvider timeProvider, ReportCounters counters, CancellationToken cancellationToken)
    {
        var reply = await CallWaitingOutRateLimitsAsync(options, client, runId, tool, action, input, idempotencyKey, packet, timeProvider, counters, cancellationToken);
        if (reply.Status == 202 && reply.ApprovalId is { } approvalId)
        {
            counters.ApprovalRequested();
            if (options.Mode == AgentMode.Eval)
            {
                // No human approves eval runs: the agent proposed the write for approval, which is its work done.
                return null;
            }

            var deadline = timeProvider.GetUtcNow() + options.ApprovalTimeout;
            while (reply.Status == 202 && timeProvider.GetUtcNow() < deadline)
            {
                await Task.Delay(options.ApprovalPollInterval, timeProvider, cancellationToken);
                // The same input and key again, now naming the approval: executed once a human approved.
                reply = await client.CallToolAsync(runId, tool, action, input, idempotencyKey, approvalId, cancellationToken, packet?.Intent, packet?.Reason);
                counters.ToolCall(reply.Status);
            }
        }

        return reply.Status switch
        {
            // A 202 without an approval id is a draft: the write became a proposal, which is the agent's work done.
            202 when reply.ApprovalId is null => null,
            >= 200 and < 300 when reply.Status != 202 => null,
            // Still waiting for a human, or handed to one by an escalate rule.
            202 => RunOutcomes.Escalated,
            403 when reply.Decision == "escalate" => RunOutcomes.Escalated,
            _ => RunOutcomes.Failed,
        };
    }

    // An eval judges the agent's answers, not the gateway's throughput: it waits out rate limits (bounded) instead of failing the task.
    private static async Task<GatewayReply> CallWaitingOutRateLimitsAsync(SampleAgentOptions options, GatewayClient client, string runId, string tool, string? action, JsonObject input, string idempotencyKey,
        (string Intent, string Reason)? packet, TimeProvider timeProvider, ReportCounters counters, CancellationToken cancellationToken)
    {
        var reply = await client.CallToolAsync(runId, tool, action, input, idempotencyKey, approvalId: null, cancellationToken, packet?.Intent, packet?.Reason);
        counters.ToolCall(reply.Status);
        var waited = TimeSpan.Zero;
        while (options.Mode == AgentMode.Eval && reply is { Status: 429, Decision: "rate_limited" } && waited < EvalRateLimitPatience)
        {
            var delay = reply.RetryAfter is { } retryAfter && retryAfter > TimeSpan.Zero ? retryAfter : TimeSpan.FromSeconds(1);
            await Task.Delay(delay, timeProvider, cancellationToken);
            waited += delay;
            reply = await client.CallToolAsync(runId, tool, action, input, idempotencyKey, approvalId: null, cancellationToken, packet?.Intent, packet?.Reason);
            counters.ToolCall(reply.Status);
        }

        return reply;
    }

    /// <summary>
    /// The action packet of a write: what the run means to do with the tool and why, as an approver reads it. Reads carry
    /// none (the gateway never asks a human about them).
    /// </summary>
    internal static (string Intent, string Reason)? Packet(SampleTool tool, string task)
    {
        if (tool.Action is null or "read")
        {
            return null;
        }

        var intent = $"{tool.Action} via {tool.Name} for the task: {task}";
        var reason = $"resolving the task needs this {tool.Action}; the input is {tool.Input.ToJsonString()}";
        return (Cut(intent, ActionPacket.MaxIntentLength), Cut(reason, ActionPacket.MaxReasonLength));
    }

    private static string Cut(string text, int length) => text.Length > length ? text[..length] : text;

    private static Uri WithTrailingSlash(Uri uri) =>
        uri.AbsoluteUri.EndsWith('/') ? uri : new Uri(uri.AbsoluteUri + "/");
}
