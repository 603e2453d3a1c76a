using System.Diagnostics.CodeAnalysis;

// "Operator" is a Visual Basic keyword; this namespace is consumed from C# only (the operator host and its tests).
[assembly: SuppressMessage("Naming", "CA1716:Identifiers should not match keywords", Scope = "namespace", Target = "~N:AgentOperator.Operator.Provisioning", Justification = "Consumed from C# only.")]
