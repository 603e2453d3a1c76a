using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace AgentOperator.DevMode.Upstreams;

/// <summary>
/// A certificate authority that exists only for one dev-mode run: it issues the fake model's serving certificate for the
/// provider hosts the workflows name (api.openai.com, …), and the DevCluster node adds it to every container's trust
/// bundle, so the gateways make the same verified HTTPS calls they make in production. Its key never leaves the process.
/// </summary>
internal sealed class DevCertificateAuthority : IDisposable
{
    private readonly X509Certificate2 _authority;
    private readonly ConcurrentDictionary<string, X509Certificate2> _issued = new(StringComparer.OrdinalIgnoreCase);

    public DevCertificateAuthority(TimeProvider time)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=AgentOperator dev-mode upstreams CA", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = time.GetUtcNow();
        _authority = request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(7));
        Time = time;
    }

    private TimeProvider Time { get; }

    /// <summary>The authority's certificate in PEM, for the node's trust bundle.</summary>
    public string CertificatePem => _authority.ExportCertificatePem();

    /// <summary>
    /// The serving certificate (with its private key) for <paramref name="host"/>, the server name a TLS client asked
    /// for, issued on first use; null when the client named none, so the handshake fails as it would against a real host.
    /// </summary>
    public X509Certificate2? CertificateFor(string? host) =>
        string.IsNullOrEmpty(host) ? null : _issued.GetOrAdd(host, Issue);

    private X509Certificate2 Issue(string host)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={host}", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(host);

        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(_authority, true, false));
        var now = Time.GetUtcNow();
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        using var issued = request.Create(_authority, now.AddMinutes(-5), now.AddDays(6), serial);
        // Kestrel on Linux needs the key in an exportable, re-imported certificate.
        using var withKey = issued.CopyWithPrivateKey(key);
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
    }

    public void Dispose()
    {
        foreach (var certificate in _issued.Values)
        {
            certificate.Dispose();
        }

        _authority.Dispose();
    }
}
