using System.Collections.Concurrent;

namespace AgentOperator.Operator.Analysis;

/// <summary>
/// Compiled success conditions by their text: each spec's conditions compile once and are reused every interval.
/// Texts come from specs, so the cache grows with the distinct conditions ever applied; it is cleared when it
/// passes <see cref="Capacity"/> rather than tracking which specs are gone.
/// </summary>
internal sealed class SuccessConditionCache
{
    public const int Capacity = 1024;

    private readonly ConcurrentDictionary<string, SuccessCondition> _compiled = new(StringComparer.Ordinal);

    public SuccessCondition Get(string text)
    {
        if (_compiled.Count >= Capacity)
        {
            _compiled.Clear();
        }

        return _compiled.GetOrAdd(text, SuccessCondition.Compile);
    }
}
