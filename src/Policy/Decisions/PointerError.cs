namespace AgentOperator.Policy.Decisions;

#pragma warning disable CA1720 // "pointer" is the member name the problem+json errors of docs/design.md ("Agent-facing HTTP API") use
/// <summary>One validation error of a tool input.</summary>
/// <param name="Pointer">JSON pointer (RFC 6901) into the input, "" for the root.</param>
/// <param name="Message">What is wrong there.</param>
public sealed record PointerError(string Pointer, string Message);
#pragma warning restore CA1720
