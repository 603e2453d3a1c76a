using k8s;

namespace AgentOperator.DevMode.Pods;

/// <summary>How in-process pods reach the API server: its address and CA, and an admin client for what the kubelet does (reading Secrets, requesting tokens).</summary>
internal sealed record ClusterAccess(IKubernetes Admin, Uri ApiServer, string CertificateAuthorityPem);
