namespace AgentOperator.Policy.Rules.Compiled;

/// <summary>The CEL types the compiled evaluator decides over; anything else is left to the interpreter.</summary>
internal enum CelKind : byte
{
    Null,
    Bool,
    Int,
    Double,
    String,
    List,
    Map,
}
