namespace AgentOperator.Operator.Tests.Traffic;

/// <summary>Runs <paramref name="interloper"/> just before the client's first PATCH goes out: another writer winning the race.</summary>
public sealed class BeforeFirstPatch(Func<Task> interloper) : DelegatingHandler
{
    private int _patched;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.Method == HttpMethod.Patch && Interlocked.Exchange(ref _patched, 1) == 0)
        {
            await interloper();
        }

        return await base.SendAsync(request, cancellationToken);
    }
}
