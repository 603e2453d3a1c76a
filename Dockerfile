# syntax=docker/dockerfile:1
#
# AgentOperator images, built from the repository root:
#   docker build -t ghcr.io/agentoperator/operator:0.1.0 --build-arg VERSION=0.1.0 .
#   docker build -t ghcr.io/agentoperator/gateway:0.1.0 --build-arg VERSION=0.1.0 --target gateway .
#   docker build -t ghcr.io/agentoperator/sample-agent:0.1.0 --build-arg VERSION=0.1.0 --target sample-agent .
#   docker build -t ghcr.io/agentoperator/audit-collector:0.1.0 --build-arg VERSION=0.1.0 --target audit-collector .
# Multi-arch: docker buildx build --platform linux/amd64,linux/arm64 ... (the SDK stage runs on the
# build platform and cross-publishes, so no emulation is needed).
#
# The operator injects ghcr.io/agentoperator/gateway:<its own version> as the sidecar, so build both
# images with the same VERSION.

ARG DOTNET_VERSION=10.0

# ---- build: the SDK, only here ----
FROM --platform=$BUILDPLATFORM mcr.microsoft.com/dotnet/sdk:${DOTNET_VERSION} AS build
ARG TARGETARCH
WORKDIR /src
ENV DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
# Restore first from the project files alone, so source edits reuse the restored layer. The build
# props, central package versions, SDK pin and .editorconfig (analyzers run in the build) come along.
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY src/Contracts/Contracts.csproj src/Contracts/
COPY src/Crds/Crds.csproj src/Crds/
COPY src/Policy/Policy.csproj src/Policy/
COPY src/Gateway/Gateway.csproj src/Gateway/
COPY src/SampleAgent/SampleAgent.csproj src/SampleAgent/
COPY src/Operator/Operator.csproj src/Operator/
COPY src/AuditCollector/AuditCollector.csproj src/AuditCollector/
# One restore per image project: the operator references only Contracts, Crds and Policy, so no image restores
# or carries dev mode's parts (src/DevMode, src/DevCluster; .dockerignore keeps them out of the context).
RUN dotnet restore src/Operator/Operator.csproj -a $TARGETARCH \
 && dotnet restore src/Gateway/Gateway.csproj -a $TARGETARCH \
 && dotnet restore src/SampleAgent/SampleAgent.csproj -a $TARGETARCH \
 && dotnet restore src/AuditCollector/AuditCollector.csproj -a $TARGETARCH
COPY src/ src/

FROM build AS publish-operator
ARG TARGETARCH
ARG VERSION=0.1.0
# Framework-dependent (the runtime image carries ASP.NET Core); no apphost, the entrypoint is `dotnet`.
RUN dotnet publish src/Operator/Operator.csproj -c Release -a $TARGETARCH --no-restore \
      -o /app -p:UseAppHost=false -p:Version=$VERSION

FROM build AS publish-gateway
ARG TARGETARCH
ARG VERSION=0.1.0
RUN dotnet publish src/Gateway/Gateway.csproj -c Release -a $TARGETARCH --no-restore \
      -o /app -p:UseAppHost=false -p:Version=$VERSION

FROM build AS publish-sample-agent
ARG TARGETARCH
ARG VERSION=0.1.0
RUN dotnet publish src/SampleAgent/SampleAgent.csproj -c Release -a $TARGETARCH --no-restore \
      -o /app -p:UseAppHost=false -p:Version=$VERSION

FROM build AS publish-audit-collector
ARG TARGETARCH
ARG VERSION=0.1.0
RUN dotnet publish src/AuditCollector/AuditCollector.csproj -c Release -a $TARGETARCH --no-restore \
      -o /app -p:UseAppHost=false -p:Version=$VERSION

# ---- runtime images: chiseled ASP.NET Core (no shell, no package manager, no SDK) ----
FROM mcr.microsoft.com/dotnet/aspnet:${DOTNET_VERSION}-noble-chiseled AS gateway
ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="agentoperator-gateway" \
      org.opencontainers.image.description="AgentOperator policy gateway sidecar" \
      org.opencontainers.image.version="${VERSION}"
WORKDIR /app
COPY --from=publish-gateway /app ./
# The base image makes Kestrel listen on 0.0.0.0:8080. The gateway's agent API must stay on loopback,
# so nothing listens unless the gateway binds it itself.
ENV ASPNETCORE_HTTP_PORTS=""
# Numeric non-root user, the same UID the pod's securityContext sets (runAsNonRoot can verify it).
USER 65532:65532
ENTRYPOINT ["dotnet", "AgentOperator.Gateway.dll"]

# The deterministic simulated agent the examples run (and, with `eval`, their evaluation Job).
FROM mcr.microsoft.com/dotnet/aspnet:${DOTNET_VERSION}-noble-chiseled AS sample-agent
ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="agentoperator-sample-agent" \
      org.opencontainers.image.description="AgentOperator sample agent: simulated runs through the gateway, eval runs, fake model and tool upstreams" \
      org.opencontainers.image.version="${VERSION}"
WORKDIR /app
COPY --from=publish-sample-agent /app ./
# The agent is a client of its gateway; its fake model and tool servers bind 127.0.0.1 themselves.
ENV ASPNETCORE_HTTP_PORTS=""
USER 65532:65532
ENTRYPOINT ["dotnet", "AgentOperator.SampleAgent.dll"]

# The audit collector: the durable store gateways ship their audit records to (config/collector).
FROM mcr.microsoft.com/dotnet/aspnet:${DOTNET_VERSION}-noble-chiseled AS audit-collector
ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="agentoperator-audit-collector" \
      org.opencontainers.image.description="AgentOperator audit collector: durable, verifiable audit store and run records API" \
      org.opencontainers.image.version="${VERSION}"
WORKDIR /app
COPY --from=publish-audit-collector /app ./
# The collector binds its port from its flags (config/collector passes --port 8080).
ENV ASPNETCORE_HTTP_PORTS=""
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["dotnet", "AgentOperator.AuditCollector.dll"]

# The default target (last stage): the operator.
FROM mcr.microsoft.com/dotnet/aspnet:${DOTNET_VERSION}-noble-chiseled AS operator
ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="agentoperator-operator" \
      org.opencontainers.image.description="AgentOperator: Kubernetes operator for LLM agent workflows" \
      org.opencontainers.image.version="${VERSION}"
WORKDIR /app
COPY --from=publish-operator /app ./
# The operator binds its metrics and health ports from its flags, not from the base image's default.
ENV ASPNETCORE_HTTP_PORTS=""
USER 65532:65532
EXPOSE 8080 8081
ENTRYPOINT ["dotnet", "AgentOperator.Operator.dll"]
