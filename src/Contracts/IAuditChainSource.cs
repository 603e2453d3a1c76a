namespace AgentOperator.Contracts;

/// <summary>The files of one chain in an audit store: a directory (<see cref="AuditChainDirectory"/>) or the collector's API.</summary>
public interface IAuditChainSource
{
    /// <summary>The chain's id (<c>namespace/pod</c>).</summary>
    string Chain { get; }

    /// <summary>Names of the chain's files (segments, checkpoints, expiries); empty when there are none.</summary>
    Task<IReadOnlyList<string>> ListFilesAsync(CancellationToken cancellationToken);

    /// <summary>The lines of one file, as stored; none when it does not exist.</summary>
    IAsyncEnumerable<string> ReadLinesAsync(string file, CancellationToken cancellationToken);
}
