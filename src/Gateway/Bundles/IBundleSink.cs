namespace AgentOperator.Gateway.Bundles;

/// <summary>Receives bundle documents from a source (file, ConfigMap).</summary>
public interface IBundleSink
{
    /// <summary>
    /// Compiles and swaps in <paramref name="bundleJson"/>. Returns false, keeping the current bundle,
    /// when it does not compile; a bad document never replaces a good one.
    /// </summary>
    bool Load(string bundleJson, string source);
}
