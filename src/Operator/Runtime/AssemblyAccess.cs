using System.Runtime.CompilerServices;

// The runtime is internal to the operator executable; its tests exercise it directly.
[assembly: InternalsVisibleTo("AgentOperator.Operator.Tests")]

// The gateway tests give their gateway the identity the operator creates, installed with the operator's own RBAC
// (DevMode.OperatorRbac) and created through the operator's ServiceAccount.
[assembly: InternalsVisibleTo("AgentOperator.Gateway.Tests")]
