using System.Security.Cryptography;

namespace AgentOperator.AuditCollector.Signing;

/// <summary>
/// The ECDSA P-256 key the collector signs checkpoints and expiries with. It lives on the collector's own volume
/// (created on first start, mode 0600), which no gateway mounts; its public half is served for <c>verify</c>.
/// </summary>
public static class CheckpointKey
{
    /// <summary>Loads the key at <paramref name="path"/>, creating it when the file does not exist.</summary>
    public static ECDsa LoadOrCreate(string path)
    {
        var key = ECDsa.Create();
        if (File.Exists(path))
        {
            key.ImportFromPem(File.ReadAllText(path));
            if (key.KeySize != 256)
            {
                throw new InvalidOperationException($"the checkpoint key {path} is not an ECDSA P-256 key");
            }

            return key;
        }

        key.GenerateKey(ECCurve.NamedCurves.nistP256);
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var file = new FileStream(path, options))
        using (var writer = new StreamWriter(file))
        {
            writer.Write(key.ExportPkcs8PrivateKeyPem());
            writer.Flush();
            file.Flush(flushToDisk: true);
        }

        return key;
    }
}
