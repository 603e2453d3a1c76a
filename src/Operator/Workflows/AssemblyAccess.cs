using System.Runtime.CompilerServices;

// The scale harness drives the internal controller in-process (the tests get access through Runtime/AssemblyAccess.cs).
[assembly: InternalsVisibleTo("AgentOperator.Scale")]
