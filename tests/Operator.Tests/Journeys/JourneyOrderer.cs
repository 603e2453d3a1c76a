using Xunit.Abstractions;
using Xunit.Sdk;

namespace AgentOperator.Operator.Tests.Journeys;

/// <summary>Runs a class's journeys in the order their <see cref="JourneyAttribute"/> gives, so destructive ones run last.</summary>
public sealed class JourneyOrderer : ITestCaseOrderer
{
    public const string TypeName = "AgentOperator.Operator.Tests.Journeys.JourneyOrderer";
    public const string AssemblyName = "AgentOperator.Operator.Tests";

    public IEnumerable<TTestCase> OrderTestCases<TTestCase>(IEnumerable<TTestCase> testCases) where TTestCase : ITestCase =>
        testCases.OrderBy(c => Step(c)).ThenBy(c => c.TestMethod.Method.Name, StringComparer.Ordinal);

    private static int Step(ITestCase testCase) =>
        testCase.TestMethod.Method.GetCustomAttributes(typeof(JourneyAttribute).AssemblyQualifiedName).FirstOrDefault()?.GetNamedArgument<int>(nameof(JourneyAttribute.Step))
        ?? int.MaxValue;
}
