namespace AgentOperator.DevCluster.Node;

/// <summary>
/// The certificate authorities every container trusts: the node's own bundle (the file OpenSSL and .NET read on
/// Debian) with <see cref="NodeOptions.TrustedCertificateAuthorities"/> appended, bound read-only over that file in each
/// container, as an organisation bakes its internal CA into its base images. Dev mode uses it so the gateways'
/// verified HTTPS calls to <c>api.openai.com</c> reach its fake model, whose certificate a dev-only CA issued.
/// </summary>
internal static class ImageTrustBundle
{
    /// <summary>Where Debian's ca-certificates (and the project's chiseled images) keep the bundle.</summary>
    public const string BundlePath = "/etc/ssl/certs/ca-certificates.crt";

    /// <summary>Writes the bundle under <paramref name="nodeDirectory"/> and returns its mount, or null when there is nothing to add.</summary>
    public static BindMount? Write(string nodeDirectory, string? extraAuthoritiesPem)
    {
        if (string.IsNullOrWhiteSpace(extraAuthoritiesPem))
        {
            return null;
        }

        var hostBundle = File.Exists(BundlePath) ? File.ReadAllText(BundlePath) : "";
        var path = Path.Combine(nodeDirectory, "ca-certificates.crt");
        File.WriteAllText(path, hostBundle.TrimEnd('\n') + "\n" + extraAuthoritiesPem.Trim() + "\n");
        return new BindMount(path, BundlePath, true);
    }
}
