using System.Runtime.CompilerServices;

// The runtime is internal to the operator executable; its tests exercise it directly.
[assembly: InternalsVisibleTo("AgentOperator.Operator.Tests")]

// The gateway tests give their gateway the identity the operator creates (Provisioning), through the operator's ServiceAccount.
[assembly: InternalsVisibleTo("AgentOperator.Gateway.Tests")]

// Dev mode (src/DevMode) hosts this operator in-process: OperatorHost, OperatorOptions, OperatorControllers and the
// analysis overrides. Internal rather than public: this project is an executable, not a library with a stable API.
[assembly: InternalsVisibleTo("AgentOperator.DevMode")]
