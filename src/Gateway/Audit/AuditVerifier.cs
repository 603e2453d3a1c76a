using AgentOperator.Contracts;

namespace AgentOperator.Gateway.Audit;

/// <summary>
/// Checks an audit log: every line must be sealed with the hash of its own body (else it was edited),
/// carry the next sequence number (else a record was dropped or moved) and the previous line's hash
/// (else the chain was cut or reordered). Names the first bad line. Truncation at the end is visible only
/// against a head hash kept elsewhere (<see cref="AuditVerification.HeadSha256"/>).
/// </summary>
public static class AuditVerifier
{
    /// <summary>Verifies the log at <paramref name="path"/>.</summary>
    public static async Task<AuditVerification> VerifyAsync(string path, CancellationToken cancellationToken)
    {
        var previous = AuditChain.GenesisSha256;
        long expectedSequence = 1;
        var lineNumber = 0;
        await foreach (var line in File.ReadLinesAsync(path, cancellationToken))
        {
            lineNumber++;
            var problem = AuditChain.CheckLine(line, expectedSequence, previous, out var sha);
            if (problem is not null)
            {
                return new AuditVerification(expectedSequence - 1, lineNumber, problem, previous);
            }

            previous = sha;
            expectedSequence++;
        }

        return new AuditVerification(expectedSequence - 1, null, null, previous);
    }
}
