namespace AgentOperator.Operator.Provisioning;

/// <summary>What a reconciler must do to bring an existing child to its desired state.</summary>
public enum ChildChange
{
    /// <summary>Every field the operator sets already has its desired value: write nothing.</summary>
    None,

    /// <summary>Some owned field differs: update (or patch) the object.</summary>
    Update,

    /// <summary>An immutable field differs (a Deployment's selector, a RoleBinding's roleRef): delete and create.</summary>
    Replace,
}
