using System.Collections;
using Antlr4.Runtime;
using Antlr4.Runtime.Tree;
using Cel;
using Cel.Internal;

namespace AgentOperator.Crds.Validation;

/// <summary>
/// <c>has(x.f)</c> as kube-apiserver answers it for custom resources and admission objects: true when the field is
/// present, whatever its value. The <c>Cel</c> package answers proto3's question instead (false for a present empty
/// object, list or string), so a rule such as <c>!(has(self.pause) &amp;&amp; has(self.pauseSeconds))</c> would pass
/// <c>pause: {}</c> here and fail on a cluster. Each <c>has(x.f)</c> is compiled as <c>__present(x, 'f', 'g')</c> (g: the
/// field <c>x</c> selects, for the "no such key" error when <c>x</c> itself is absent); rule texts in messages stay as written.
/// </summary>
public static class PresenceTest
{
    private const string Function = "__present";

    /// <summary>Declares the presence function on <paramref name="environment"/>.</summary>
    public static void Register(CelEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        environment.RegisterFunction(Function, [typeof(object), typeof(string), typeof(string)], arguments => arguments[0] switch
        {
            // kube-apiserver drops nulls of non-nullable fields before rules run, so a null reads as absent.
            IDictionary map => map.Contains(arguments[1]!) && map[arguments[1]!] is not null,

            // Selecting from an absent field is an error in cel-go before has() is asked.
            { } absent when absent.GetType().Name == "CelNoSuchField" => throw new CelNoSuchFieldException($"select field '{arguments[2]}'"),
            _ => false,
        });
    }

    /// <summary>
    /// <paramref name="expression"/> with every <c>has(x.f)</c> replaced by the presence function; unchanged when it has
    /// none or does not parse (its compile error is then the library's, on the text as written).
    /// </summary>
    public static string Rewrite(CelEnvironment environment, string expression)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(expression);

        // Innermost first, re-parsing after each replacement, so a has() inside another's operand is rewritten too.
        while (expression.Contains("has", StringComparison.Ordinal))
        {
            CelParser.StartContext tree;
            try
            {
                tree = environment.Parse(expression);
            }
#pragma warning disable CA1031 // the parser reports syntax errors with several exception types; compilation reports them
            catch (Exception)
#pragma warning restore CA1031
            {
                return expression;
            }

            if (Innermost(tree) is not { } call)
            {
                return expression;
            }

            var select = (CelParser.SelectContext)Single(call.args.expr()[0]);
            var operand = select.member();
            var operandText = expression[operand.Start.StartIndex..(operand.Stop.StopIndex + 1)];
            var operandField = operand is CelParser.SelectContext s ? s.id.Text : "";
            expression = string.Concat(
                expression.AsSpan(0, call.Start.StartIndex),
                $"{Function}({operandText}, '{select.id.Text}', '{operandField}')",
                expression.AsSpan(call.Stop.StopIndex + 1));
        }

        return expression;
    }

    /// <summary>The first has(x.f) call with no other inside it.</summary>
    private static CelParser.IdentOrGlobalCallContext? Innermost(IParseTree node)
    {
        for (var i = 0; i < node.ChildCount; i++)
        {
            if (Innermost(node.GetChild(i)) is { } inner)
            {
                return inner;
            }
        }

        return node is CelParser.IdentOrGlobalCallContext { leadingDot: null, op: not null, id.Text: "has" } call
            && call.args?.expr() is [var argument] && Single(argument) is CelParser.SelectContext { opt: null }
            ? call
            : null;
    }

    /// <summary>The one node under a chain of pass-through grammar levels (expr → … → member).</summary>
    private static IParseTree Single(CelParser.ExprContext expression)
    {
        IParseTree node = expression;
        while (node is ParserRuleContext && node.ChildCount == 1 && node.GetChild(0) is not ITerminalNode
            && node is not CelParser.SelectContext)
        {
            node = node.GetChild(0);
        }

        return node;
    }
}
