namespace AgentOperator.DevCluster.Admission;

/// <summary>Validating admission: runs on every write by a client, after the object is final and before it is stored.</summary>
internal interface IValidatingAdmission
{
    /// <summary>Returns when the request is admitted; throws an <see cref="Api.ApiException"/> (the Status the client gets) when it is refused.</summary>
    void Validate(AdmissionRequest request);
}
