namespace AgentOperator.Policy.Rules.Compiled;

/// <summary>One compiled sub-expression: evaluates to a value, or throws <see cref="CelDeferral"/>.</summary>
internal delegate CelValue CelNode(in RuleActivation activation);
