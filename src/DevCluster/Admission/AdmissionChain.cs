namespace AgentOperator.DevCluster.Admission;

/// <summary>Several validations of one write, in order; the first refusal is the client's answer.</summary>
internal sealed class AdmissionChain(IReadOnlyList<IValidatingAdmission> steps) : IValidatingAdmission
{
    public void Validate(AdmissionRequest request)
    {
        foreach (var step in steps)
        {
            step.Validate(request);
        }
    }
}
