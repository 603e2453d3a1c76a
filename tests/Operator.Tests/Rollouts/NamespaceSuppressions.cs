using System.Diagnostics.CodeAnalysis;

// "Operator" is a Visual Basic keyword; test namespaces mirror the source namespaces.
[assembly: SuppressMessage("Naming", "CA1716:Identifiers should not match keywords", Scope = "namespace", Target = "~N:AgentOperator.Operator.Tests.Rollouts", Justification = "Mirrors the source namespace.")]
