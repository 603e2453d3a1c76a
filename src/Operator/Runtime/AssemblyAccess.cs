using System.Runtime.CompilerServices;

// The runtime is internal to the operator executable; its tests exercise it directly.
[assembly: InternalsVisibleTo("AgentOperator.Operator.Tests")]
