using System.Globalization;
using AgentOperator.Contracts;

namespace AgentOperator.AuditCollector.Hosting;

/// <summary>
/// The collector's command line, as config/collector renders it:
/// <code>
/// serve --data DIR --signing-key FILE [--port N] [--kubeconfig FILE] [--checkpoint-interval SECONDS]
///       [--retention-interval SECONDS] [--default-retention-days N] [--verify-interval SECONDS] [--segment-bytes N]
/// </code>
/// Without <c>--kubeconfig</c> it uses the in-cluster configuration.
/// </summary>
public sealed record CollectorArguments
{
    public const string Usage = "usage: serve --data DIR --signing-key FILE [--port N] [--kubeconfig FILE] [--checkpoint-interval SECONDS] [--retention-interval SECONDS] [--default-retention-days N] [--verify-interval SECONDS] [--segment-bytes N]";

    private static readonly string[] Flags = ["--data", "--signing-key", "--port", "--kubeconfig", "--checkpoint-interval", "--retention-interval", "--default-retention-days", "--verify-interval", "--segment-bytes"];

    public required CollectorOptions Options { get; init; }

    /// <summary>Kubeconfig file; null: in-cluster.</summary>
    public string? Kubeconfig { get; init; }

    /// <summary>Parses <c>serve</c> and its flags; throws <see cref="UsageException"/> naming what is wrong.</summary>
    public static CollectorArguments Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Count == 0 || args[0] != "serve")
        {
            throw new UsageException(args.Count == 0 ? "the command 'serve' is missing" : $"the command is '{args[0]}', not 'serve'");
        }

        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 1; i < args.Count; i++)
        {
            var flag = args[i];
            if (!Flags.Contains(flag, StringComparer.Ordinal))
            {
                throw new UsageException($"unknown argument '{flag}'");
            }

            if (i + 1 >= args.Count || args[i + 1].Length == 0)
            {
                throw new UsageException($"{flag} needs a value");
            }

            if (!values.TryAdd(flag, args[++i]))
            {
                throw new UsageException($"{flag} is given more than once");
            }
        }

        int Positive(string flag, int fallback) => values.GetValueOrDefault(flag) is not { } text ? fallback
            : int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n
            : throw new UsageException($"{flag} takes a positive whole number, not '{text}'");
        var defaults = new CollectorOptions { DataDirectory = "", SigningKeyPath = "" };
        return new CollectorArguments
        {
            Kubeconfig = values.GetValueOrDefault("--kubeconfig"),
            Options = new CollectorOptions
            {
                DataDirectory = values.GetValueOrDefault("--data") ?? throw new UsageException("--data DIR is required: the store's volume"),
                SigningKeyPath = values.GetValueOrDefault("--signing-key") ?? throw new UsageException("--signing-key FILE is required: the checkpoint signing key (created when missing)"),
                Port = values.GetValueOrDefault("--port") is { } port
                    ? int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p <= 65535 ? p : throw new UsageException($"--port takes a port from 0 to 65535, not '{port}'")
                    : defaults.Port,
                CheckpointInterval = TimeSpan.FromSeconds(Positive("--checkpoint-interval", (int)defaults.CheckpointInterval.TotalSeconds)),
                RetentionInterval = TimeSpan.FromSeconds(Positive("--retention-interval", (int)defaults.RetentionInterval.TotalSeconds)),
                DefaultRetentionDays = Positive("--default-retention-days", defaults.DefaultRetentionDays),
                VerifyInterval = TimeSpan.FromSeconds(Positive("--verify-interval", (int)defaults.VerifyInterval.TotalSeconds)),
                SegmentBytes = Positive("--segment-bytes", (int)defaults.SegmentBytes),
            },
        };
    }
}
