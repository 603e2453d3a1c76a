using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace AgentOperator.DevCluster.Auth;

/// <summary>
/// A self-signed serving certificate for 127.0.0.1/localhost (and the addresses pods reach the server at), made at start. TLS is needed even on loopback:
/// kubectl (client-go's clientcmd) only sends bearer tokens to https servers. The certificate is its own CA,
/// written into the kubeconfig as certificate-authority-data.
/// </summary>
internal static class ServingCertificate
{
    public static X509Certificate2 Create(TimeProvider time, IEnumerable<IPAddress> podFacingAddresses)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=devcluster", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        foreach (var address in podFacingAddresses)
        {
            san.AddIpAddress(address);
        }

        san.AddDnsName("localhost");
        san.AddDnsName("kubernetes.default.svc");
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyCertSign, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var now = time.GetUtcNow();
        using var cert = request.CreateSelfSigned(now.AddMinutes(-5), now.AddYears(1));

        // Round-trip through PKCS#12 so the private key is usable by the TLS stack on every platform.
        return X509CertificateLoader.LoadPkcs12(cert.Export(X509ContentType.Pkcs12), null);
    }
}
