using System.Text.Json.Nodes;
using AgentOperator.Crds.Generation;

namespace AgentOperator.Crds.Tests;

/// <summary>Valid manifests that tests break one field at a time.</summary>
internal static class Manifests
{
    public static JsonNode Workflow() => YamlReader.Read("""
        apiVersion: agentoperator.io/v1alpha1
        kind: AgentWorkflow
        metadata:
          name: support-refund
          namespace: support
        spec:
          runtime:
            image: ghcr.io/example/support-refund-agent@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
            replicas: 2
            env:
            - name: LOG_LEVEL
              value: info
            resources:
              requests: {cpu: 250m, memory: 256Mi}
              limits: {memory: 512Mi}
          models:
            router:
              provider: openai
              model: gpt-4o-mini-2024-07-18
              maxTokensPerCall: 4000
            executor:
              provider: anthropic
              model: claude-sonnet-4-20250514
              maxTokensPerCall: 8000
              inputCostPer1kTokensUsd: 0.003
              outputCostPer1kTokensUsd: 0.015
              credentialsSecretRef: {name: anthropic-key, key: apiKey}
          tools:
          - name: crm.read_ticket
            actions: [read]
          - name: orders.get_status
            actions: [read]
          - name: payments.issue_refund
            actions: [create]
            constraints:
              properties:
                amount_usd: {maximum: 50}
            rateLimit: {requestsPerMinute: 10, burst: 2}
          budgets:
            maxToolCalls: 10
            maxTokensTotal: 24000
            maxWallTimeSeconds: 25
            maxCostUsd: 0.5
          policy:
            rules:
            - id: refund-cap
              tool: payments.issue_refund
              condition: input.amount_usd <= 50.0
              onFail: escalate
              message: Refunds above $50 need a human.
            redact: [email, card_last4]
          autonomy: approve
          credentials:
            tokenTtlSeconds: 900
            audiences: [agentoperator.io/gateway]
          rollout:
            steps:
            - {weight: 5, pauseSeconds: 300}
            - {weight: 25, pauseSeconds: 600}
            - {weight: 50}
            trafficRouting:
              provider: gatewayAPI
              gatewayAPI: {httpRoute: support-refund}
            analysis:
              intervalSeconds: 60
              prometheus: {address: "http://prometheus.monitoring:9090"}
              thresholds:
                minEvalPassRate: 0.9
                maxEscalationRate: 0.2
                maxPolicyViolations: 0
                maxCostPerSuccessfulTaskUsd: 0.25
                maxToolErrorRate: 0.05
              relative:
              - {metric: escalationRate, maxRatio: 1.2}
              metrics:
              - name: p95-latency
                query: histogram_quantile(0.95, sum(rate(agent_run_duration_seconds_bucket{revision="{{revision}}"}[5m])) by (le))
                successCondition: result < 20.0
            evaluation:
              image: ghcr.io/example/support-refund-evals:1.4.0
              minPassRate: 0.95
          observability:
            otlpEndpoint: "http://otel-collector.observability:4317"
            traceLevel: metadata
        """);

    public static JsonNode Tool() => YamlReader.Read("""
        apiVersion: agentoperator.io/v1alpha1
        kind: AgentTool
        metadata:
          name: payments-issue-refund
        spec:
          name: payments.issue_refund
          owner: payments-team
          description: Issues a refund for an order.
          riskTier: 3
          actions: [create]
          inputSchema:
            type: object
            required: [order_id, amount_usd]
            properties:
              order_id: {type: string}
              amount_usd: {type: number, minimum: 0}
          upstream:
            url: "https://payments.internal/refunds"
            timeoutSeconds: 5
          auth:
            secretRef: {name: payments-token, key: token}
          rateLimit: {requestsPerMinute: 30}
        """);

    public static JsonNode Approval() => YamlReader.Read("""
        apiVersion: agentoperator.io/v1alpha1
        kind: AgentApproval
        metadata:
          name: refund-7f3a
        spec:
          workflow: support-refund
          revision: 5d8c9f
          runId: run-123
          tool: payments.issue_refund
          action: create
          input: {order_id: A-1, amount_usd: 80}
          inputSha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
          riskTier: 3
          approvalsRequired: 1
          expiresAt: "2026-11-25T12:00:00Z"
        """);
}
