using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace AgentOperator.DevCluster.Auth;

/// <summary>
/// The client CA of the server (kube-apiserver's <c>--client-ca-file</c>): a certificate it signed authenticates its
/// subject's common name as the user and its organizations as groups. Made at start, like the serving certificate.
/// </summary>
internal sealed class ClientCertificateAuthority : IDisposable
{
    private const string OrganizationOid = "2.5.4.10";
    private readonly X509Certificate2 _ca;
    private readonly TimeProvider _time;

    public ClientCertificateAuthority(TimeProvider time)
    {
        _time = time;
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=devcluster-client-ca", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        var now = time.GetUtcNow();
        using var cert = request.CreateSelfSigned(now.AddMinutes(-5), now.AddYears(1));
        _ca = X509CertificateLoader.LoadPkcs12(cert.Export(X509ContentType.Pkcs12), null);
    }

    public string CertificatePem => _ca.ExportCertificatePem();

    /// <summary>Issues a client certificate (PEM, with its PKCS#8 key) for <paramref name="user"/> in <paramref name="groups"/>, valid as long as the CA.</summary>
    public ClientCertificate Issue(string user, IReadOnlyList<string> groups)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var subject = new X500DistinguishedNameBuilder();
        foreach (var group in groups)
        {
            subject.AddOrganizationName(group);
        }

        subject.AddCommonName(user);
        var request = new CertificateRequest(subject.Build(), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], false));
        var now = _time.GetUtcNow();
        var notAfter = new DateTimeOffset(_ca.NotAfter.ToUniversalTime(), TimeSpan.Zero);
        using var cert = request.Create(_ca, now.AddMinutes(-5), notAfter, RandomNumberGenerator.GetBytes(16));
        return new ClientCertificate(cert.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem());
    }

    /// <summary>The user of a certificate this CA signed (and that is valid now), or null.</summary>
    public UserInfo? Authenticate(X509Certificate2 certificate)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(_ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = _time.GetUtcNow().UtcDateTime;
        if (!chain.Build(certificate))
        {
            return null;
        }

        var user = certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
        if (string.IsNullOrEmpty(user))
        {
            return null;
        }

        var groups = certificate.SubjectName.EnumerateRelativeDistinguishedNames()
            .Where(rdn => rdn.GetSingleElementType().Value == OrganizationOid)
            .Select(rdn => rdn.GetSingleElementValue() ?? "")
            .Where(g => g.Length > 0)
            .Append("system:authenticated")
            .Distinct()
            .ToList();
        return new UserInfo(user, "", groups);
    }

    public void Dispose() => _ca.Dispose();
}

/// <summary>A client certificate and its private key, both PEM, as a kubeconfig's client-certificate-data and client-key-data carry them.</summary>
public sealed record ClientCertificate(string CertificatePem, string KeyPem);
