using System.Text.RegularExpressions;
using Antlr4.Runtime.Tree;
using Cel;
using Cel.Internal;

namespace AgentOperator.Policy.Rules.Compiled;

/// <summary>
/// Compiles a parsed CEL condition to a tree of delegates, once per bundle. The subset: literals, the
/// variables <c>input</c>, <c>run</c>, <c>tool</c> and <c>models</c>, field selection and indexing,
/// <c>has()</c>, <c>size()</c>, <c>startsWith</c>, <c>endsWith</c>, <c>contains</c>, <c>matches</c> with a
/// literal pattern, comparisons, <c>in</c> (a list of literals, a list or a map value), arithmetic,
/// <c>!</c>, <c>&amp;&amp;</c>, <c>||</c> and <c>?:</c>. A condition using anything else (macros, conversions,
/// map or message literals, optional selection) is not compiled and the interpreter evaluates it.
/// </summary>
internal static class CelCompiler
{
    private static readonly Dictionary<string, object?> NoVariables = new(StringComparer.Ordinal);

    /// <summary>The compiled condition, or null with the construct that keeps it on the interpreter.</summary>
    /// <param name="tree">The condition as the Cel package parsed it.</param>
    /// <param name="environment">Evaluates literals, so their spelling (escapes, hex, raw strings) means exactly what it means to the package.</param>
    /// <param name="unsupported">What the compiler does not support; null when compiled.</param>
    public static CelNode? TryCompile(CelParser.StartContext tree, CelEnvironment environment, out string? unsupported)
    {
        try
        {
            var condition = new Compilation(environment).Expression(tree.e);
            unsupported = null;
            return condition;
        }
        catch (NotSupportedException exception)
        {
            unsupported = exception.Message;
            return null;
        }
    }

    private sealed class Compilation(CelEnvironment environment)
    {
        public CelNode Expression(CelParser.ExprContext context)
        {
            var condition = Or(context.e);
            if (context.op is null)
            {
                return condition;
            }

            var whenTrue = Or(context.e1);
            var whenFalse = Expression(context.e2);
            return (in RuleActivation a) => CelOperators.Truth(condition(a)) ? whenTrue(a) : whenFalse(a);
        }

        private CelNode Or(CelParser.ConditionalOrContext context)
        {
            var result = And(context.e);
            foreach (var next in context._e1)
            {
                var (left, right) = (result, And(next));
                result = (in RuleActivation a) => CelOperators.Truth(left(a)) || CelOperators.Truth(right(a)) ? CelValue.True : CelValue.False;
            }

            return result;
        }

        private CelNode And(CelParser.ConditionalAndContext context)
        {
            var result = Relation(context.e);
            foreach (var next in context._e1)
            {
                var (left, right) = (result, Relation(next));
                result = (in RuleActivation a) => CelOperators.Truth(left(a)) && CelOperators.Truth(right(a)) ? CelValue.True : CelValue.False;
            }

            return result;
        }

        private CelNode Relation(CelParser.RelationContext context)
        {
            if (context.calc() is { } calc)
            {
                return Calc(calc);
            }

            var left = Relation(context.relation(0));
            if (context.op.Type == CelParser.IN)
            {
                return In(left, context.relation(1));
            }

            var right = Relation(context.relation(1));
            return context.op.Type switch
            {
                CelParser.EQUALS => (in RuleActivation a) => CelValue.Bool(CelOperators.Equal(left(a), right(a))),
                CelParser.NOT_EQUALS => (in RuleActivation a) => CelValue.Bool(!CelOperators.Equal(left(a), right(a))),
                CelParser.LESS => (in RuleActivation a) => CelValue.Bool(CelOperators.Compare(left(a), right(a)) < 0),
                CelParser.LESS_EQUALS => (in RuleActivation a) => CelValue.Bool(CelOperators.Compare(left(a), right(a)) <= 0),
                CelParser.GREATER => (in RuleActivation a) => CelValue.Bool(CelOperators.Compare(left(a), right(a)) > 0),
                CelParser.GREATER_EQUALS => (in RuleActivation a) => CelValue.Bool(CelOperators.Compare(left(a), right(a)) >= 0),
                _ => throw new NotSupportedException($"operator '{context.op.Text}'"),
            };
        }

        private CelNode In(CelNode element, CelParser.RelationContext container)
        {
            // A list written in the condition: only literals, so no element can fail after a match was found.
            if (Unwrap(container) is CelParser.CreateListContext list)
            {
                var items = (list.listInit()?.optExpr() ?? []).Select(item => item.opt is null && Unwrap(item.e) is CelParser.ConstantLiteralContext literal
                    ? Literal(literal.literal())
                    : throw new NotSupportedException("a list literal with non-literal elements")).ToArray();
                return (in RuleActivation a) =>
                {
                    var value = element(a);
                    foreach (var item in items)
                    {
                        if (CelOperators.Equal(value, item))
                        {
                            return CelValue.True;
                        }
                    }

                    return CelValue.False;
                };
            }

            var values = Relation(container);
            return (in RuleActivation a) =>
            {
                var value = element(a);
                var within = values(a);
                return within.Kind switch
                {
                    CelKind.List => CelValue.Bool(within.ListContains(value)),
                    CelKind.Map when value.Kind == CelKind.String => CelValue.Bool(within.TryGetField(value.AsString, out _)),
                    _ => CelDeferral.Throw<CelValue>(),
                };
            };
        }

        private CelNode Calc(CelParser.CalcContext context)
        {
            if (context.unary() is { } unary)
            {
                return Unary(unary);
            }

            var left = Calc(context.calc(0));
            var right = Calc(context.calc(1));
            return context.op.Type switch
            {
                CelParser.PLUS => (in RuleActivation a) => CelOperators.Add(left(a), right(a)),
                CelParser.MINUS => (in RuleActivation a) => CelOperators.Subtract(left(a), right(a)),
                CelParser.STAR => (in RuleActivation a) => CelOperators.Multiply(left(a), right(a)),
                CelParser.SLASH => (in RuleActivation a) => CelOperators.Divide(left(a), right(a)),
                CelParser.PERCENT => (in RuleActivation a) => CelOperators.Modulo(left(a), right(a)),
                _ => throw new NotSupportedException($"operator '{context.op.Text}'"),
            };
        }

        private CelNode Unary(CelParser.UnaryContext context)
        {
            switch (context)
            {
                case CelParser.MemberExprContext member:
                    return Member(member.member());
                case CelParser.LogicalNotContext not:
                    var operand = Member(not.member());
                    var flip = not.EXCLAM().Length % 2 == 1;
                    return (in RuleActivation a) => CelValue.Bool(CelOperators.Truth(operand(a)) ^ flip);
                case CelParser.NegateContext negate:
                    var negated = Member(negate.member());
                    var times = negate.MINUS().Length;
                    return (in RuleActivation a) =>
                    {
                        var value = negated(a);
                        for (var i = 0; i < times; i++)
                        {
                            value = CelOperators.Negate(value);
                        }

                        return value;
                    };
                default:
                    throw new NotSupportedException(context.GetText());
            }
        }

        private CelNode Member(CelParser.MemberContext context)
        {
            switch (context)
            {
                case CelParser.PrimaryExprContext primary:
                    return Primary(primary.primary());
                case CelParser.SelectContext { opt: null } select:
                    var target = Member(select.member());
                    var field = select.id.Text;
                    return (in RuleActivation a) => target(a).TryGetField(field, out var value) ? value : CelDeferral.Throw<CelValue>();
                case CelParser.MemberCallContext call:
                    return MemberCall(call);
                case CelParser.IndexContext { opt: null } index:
                    return Index(Member(index.member()), Expression(index.index));
                default:
                    throw new NotSupportedException($"'{context.GetText()}'");
            }
        }

        private CelNode MemberCall(CelParser.MemberCallContext call)
        {
            var target = Member(call.member());
            var arguments = call.args?.expr() ?? [];
            switch (call.id.Text, arguments.Length)
            {
                case ("size", 0):
                    return (in RuleActivation a) => CelValue.Int(target(a).Size());
                case ("startsWith", 1):
                    return StringTest(target, Expression(arguments[0]), static (s, p) => s.StartsWith(p, StringComparison.Ordinal));
                case ("endsWith", 1):
                    return StringTest(target, Expression(arguments[0]), static (s, p) => s.EndsWith(p, StringComparison.Ordinal));
                case ("contains", 1):
                    return StringTest(target, Expression(arguments[0]), static (s, p) => s.Contains(p, StringComparison.Ordinal));
                case ("matches", 1) when Unwrap(arguments[0]) is CelParser.ConstantLiteralContext { } pattern && Literal(pattern.literal()) is { Kind: CelKind.String } text:
                    var regex = Regex(text.AsString);
                    return (in RuleActivation a) => target(a) is { Kind: CelKind.String } value ? CelValue.Bool(regex.IsMatch(value.AsString)) : CelDeferral.Throw<CelValue>();
                default:
                    throw new NotSupportedException($"the function '{call.id.Text}' with {arguments.Length} argument(s)");
            }
        }

        private static CelNode StringTest(CelNode target, CelNode argument, Func<string, string, bool> test) => (in RuleActivation a) =>
        {
            var (value, part) = (target(a), argument(a));
            return value.Kind == CelKind.String && part.Kind == CelKind.String ? CelValue.Bool(test(value.AsString, part.AsString)) : CelDeferral.Throw<CelValue>();
        };

        private static CelNode Index(CelNode target, CelNode index) => (in RuleActivation a) =>
        {
            var (container, key) = (target(a), index(a));
            return (container.Kind, key.Kind) switch
            {
                (CelKind.Map, CelKind.String) => container.TryGetField(key.AsString, out var value) ? value : CelDeferral.Throw<CelValue>(),
                (CelKind.List, CelKind.Int) => container.Element(key.AsInt),
                _ => CelDeferral.Throw<CelValue>(),
            };
        };

        private CelNode Primary(CelParser.PrimaryContext context)
        {
            switch (context)
            {
                case CelParser.NestedContext nested:
                    return Expression(nested.e);
                case CelParser.ConstantLiteralContext literal:
                    var value = Literal(literal.literal());
                    return (in RuleActivation _) => value;
                case CelParser.IdentOrGlobalCallContext { leadingDot: null, op: null } identifier:
                    return Variable(identifier.id.Text);
                case CelParser.IdentOrGlobalCallContext { leadingDot: null } call:
                    return GlobalCall(call.id.Text, call.args?.expr() ?? []);
                default:
                    throw new NotSupportedException($"'{context.GetText()}'");
            }
        }

        private static CelNode Variable(string name) => name switch
        {
            "input" => static (in RuleActivation a) => CelValue.FromJson(a.Input),
            "run" => static (in RuleActivation a) => CelValue.Run(a.Run),
            "tool" => static (in RuleActivation a) => CelValue.Map(a.Tool),
            "models" => static (in RuleActivation a) => CelValue.Map(a.Models),
            "request" => static (in RuleActivation a) => CelValue.Map(a.Request),
            _ => throw new NotSupportedException($"the identifier '{name}'"),
        };

        private CelNode GlobalCall(string name, CelParser.ExprContext[] arguments)
        {
            switch (name, arguments.Length)
            {
                case ("has", 1) when Unwrap(arguments[0]) is CelParser.SelectContext { opt: null } select:
                    var target = Member(select.member());
                    var field = select.id.Text;
                    // The package treats a field holding null as absent.
                    return (in RuleActivation a) => CelValue.Bool(target(a).TryGetField(field, out var value) && value.Kind != CelKind.Null);
                case ("size", 1):
                    var operand = Expression(arguments[0]);
                    return (in RuleActivation a) => CelValue.Int(operand(a).Size());
                default:
                    throw new NotSupportedException($"the function '{name}' with {arguments.Length} argument(s)");
            }
        }

        /// <summary>The pattern as the package matches it; one it cannot build stays with the interpreter, which fails the rule closed per call.</summary>
        private static Regex Regex(string pattern)
        {
            try
            {
                return new Regex(pattern, RegexOptions.None);
            }
            catch (ArgumentException)
            {
                throw new NotSupportedException($"the pattern '{pattern}'");
            }
        }

        private CelValue Literal(CelParser.LiteralContext context)
        {
            if (context is CelParser.BytesContext or CelParser.UintContext)
            {
                throw new NotSupportedException($"the literal {context.GetText()}");
            }

            object? value;
            try
            {
                value = environment.Program(context.GetText(), NoVariables);
            }
#pragma warning disable CA1031 // whatever the package reports about a literal, the interpreter keeps the rule
            catch (Exception exception)
#pragma warning restore CA1031
            {
                throw new NotSupportedException($"the literal {context.GetText()} ({exception.Message})");
            }

            return value switch
            {
                null => CelValue.Null,
                bool b => CelValue.Bool(b),
                long l => CelValue.Int(l),
                double d => CelValue.Double(d),
                string s => CelValue.String(s),
                var other => throw new NotSupportedException($"the literal {context.GetText()} ({other.GetType().Name})"),
            };
        }

        /// <summary>The single node under a chain of pass-through grammar levels (expr → ... → primary), or the node itself.</summary>
        private static IParseTree Unwrap(IParseTree node)
        {
            while (node.ChildCount == 1 && node is not CelParser.ConstantLiteralContext && node.GetChild(0) is not ITerminalNode)
            {
                node = node.GetChild(0);
            }

            return node;
        }
    }
}
