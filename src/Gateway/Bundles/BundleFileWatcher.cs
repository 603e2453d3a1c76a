using System.Security.Cryptography;
using System.Text;

namespace AgentOperator.Gateway.Bundles;

/// <summary>
/// Reloads the bundle file when its content changes (polling its hash every <see cref="Interval"/>,
/// which also works where file-system notifications do not, e.g. ConfigMap volumes' symlink swaps).
/// </summary>
public sealed partial class BundleFileWatcher(string path, IBundleSink sink, TimeProvider timeProvider, ILogger<BundleFileWatcher> logger) : BackgroundService
{
    private string? _lastSha256;

    /// <summary>How often the file is checked.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Reads the file once and loads it; throws when it cannot be read or compiled.</summary>
    public void LoadInitial()
    {
        var text = File.ReadAllText(path);
        _lastSha256 = Hash(text);
        if (!sink.Load(text, path))
        {
            throw new InvalidDataException($"the bundle {path} does not compile");
        }
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(Interval, timeProvider, stoppingToken);
                var text = await File.ReadAllTextAsync(path, stoppingToken);
                var sha = Hash(text);
                if (sha != _lastSha256)
                {
                    _lastSha256 = sha;
                    sink.Load(text, path);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (IOException exception)
            {
                LogUnreadable(logger, path, exception.Message);
            }
        }
    }

    private static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    [LoggerMessage(Level = LogLevel.Warning, Message = "Bundle file {Path} unreadable: {Reason}")]
    private static partial void LogUnreadable(ILogger logger, string path, string reason);
}
