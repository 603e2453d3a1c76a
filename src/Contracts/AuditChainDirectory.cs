using System.Runtime.CompilerServices;

namespace AgentOperator.Contracts;

/// <summary>A chain stored as a directory of files (the collector's volume, or a copy of it).</summary>
public sealed class AuditChainDirectory(string chain, string path) : IAuditChainSource
{
    /// <inheritdoc />
    public string Chain { get; } = chain;

    /// <summary>The directory.</summary>
    public string Path { get; } = path;

    /// <inheritdoc />
    public Task<IReadOnlyList<string>> ListFilesAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<string>>(Directory.Exists(Path)
            ? [.. Directory.EnumerateFiles(Path).Select(System.IO.Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal)]
            : []);

    /// <inheritdoc />
    public async IAsyncEnumerable<string> ReadLinesAsync(string file, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var full = System.IO.Path.Combine(Path, file);
        if (!File.Exists(full))
        {
            yield break;
        }

        await foreach (var line in File.ReadLinesAsync(full, cancellationToken))
        {
            yield return line;
        }
    }
}
