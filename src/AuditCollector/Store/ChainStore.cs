using System.Collections.Concurrent;
using System.Text.Json;
using AgentOperator.AuditCollector.Identity;
using AgentOperator.Contracts;

namespace AgentOperator.AuditCollector.Store;

/// <summary>
/// Every chain of the store, at <c>{data}/chains/{namespace}/{workflow}/{pod}/</c>: opened on first use, and all of
/// them at start so checkpoints, retention and verification cover chains whose gateways are gone.
/// </summary>
public sealed class ChainStore(string dataDirectory, long segmentBytes) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<Task<ChainWriter>>> _chains = new(StringComparer.Ordinal);

    /// <summary>Root of the chain directories.</summary>
    public string ChainsDirectory { get; } = Path.Combine(dataDirectory, "chains");

    /// <summary>The directory of a workflow's chains.</summary>
    public string WorkflowDirectory(string @namespace, string workflow) => Path.Combine(ChainsDirectory, @namespace, workflow);

    /// <summary>Opens every chain already on the volume.</summary>
    public async Task LoadAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(ChainsDirectory);
        foreach (var identityFile in Directory.EnumerateFiles(ChainsDirectory, AuditCollectorApi.Files.Identity, SearchOption.AllDirectories))
        {
            var identity = JsonSerializer.Deserialize<GatewayIdentity>(await File.ReadAllTextAsync(identityFile, cancellationToken), AuditChain.SerializerOptions);
            if (identity is not null)
            {
                await GetAsync(identity, cancellationToken);
            }
        }
    }

    /// <summary>The chain of <paramref name="identity"/>, opened or created.</summary>
    public Task<ChainWriter> GetAsync(GatewayIdentity identity, CancellationToken cancellationToken)
    {
        var directory = Path.Combine(WorkflowDirectory(identity.Namespace, identity.Workflow), identity.Pod);
        var chain = _chains.GetOrAdd(identity.Chain, _ => new Lazy<Task<ChainWriter>>(() => ChainWriter.OpenAsync(identity, directory, segmentBytes, CancellationToken.None)));
        return OpenedAsync(identity.Chain, chain, cancellationToken);
    }

    // A chain that could not be opened (its directory on a full volume) is forgotten, so the next batch tries again.
    private async Task<ChainWriter> OpenedAsync(string key, Lazy<Task<ChainWriter>> chain, CancellationToken cancellationToken)
    {
        try
        {
            return await chain.Value.WaitAsync(cancellationToken);
        }
        catch (IOException)
        {
            _chains.TryRemove(KeyValuePair.Create(key, chain));
            throw;
        }
    }

    /// <summary>The chains opened so far.</summary>
    public async Task<IReadOnlyList<ChainWriter>> AllAsync()
    {
        List<ChainWriter> all = [];
        foreach (var chain in _chains.Values)
        {
            if (chain.IsValueCreated && !chain.Value.IsFaulted && await chain.Value is { } writer)
            {
                all.Add(writer);
            }
        }

        return all;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var writer in await AllAsync())
        {
            await writer.DisposeAsync();
        }
    }
}
