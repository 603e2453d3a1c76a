using Antlr4.Runtime;
using Antlr4.Runtime.Tree;
using Cel;
using Cel.Internal;

namespace AgentOperator.Policy.Rules.Checking;

/// <summary>
/// Checks a rule's condition before it is published: every character is part of the parsed expression
/// (<c>&lt;==</c> is not quietly read as <c>&lt;=</c>), every variable is declared, fields of closed objects exist,
/// operators get operands of types they accept, and the whole condition is a boolean. What only run time can
/// tell (a field of an open object, a value of an untyped input) is dyn and passes. Each error names the
/// position (line and column, 1-based) and a hint.
/// </summary>
public static class CelTypeChecker
{
    /// <summary>The problems of <paramref name="condition"/>; empty when it checks.</summary>
    public static IReadOnlyList<string> Check(string condition, CelDeclarations declarations)
    {
        ArgumentNullException.ThrowIfNull(condition);
        ArgumentNullException.ThrowIfNull(declarations);
        var errors = new List<string>();
        CelParser.StartContext tree;
        try
        {
            tree = new CelEnvironment(null, null).Parse(condition);
        }
#pragma warning disable CA1031 // the parser reports syntax errors with several exception types; CelRuleProgram reports them
        catch (Exception)
#pragma warning restore CA1031
        {
            return errors;
        }

        if (Uncovered(condition, tree) is { } offset)
        {
            var (line, column) = Position(condition, offset);
            errors.Add($"line {line}, column {column}: unexpected '{condition[offset]}' that is not part of the expression; hint: comparisons are < <= > >= == !=, and '{condition[offset]}' here changes nothing the parser reads");
            return errors;
        }

        var result = new Checker(declarations, errors).Expression(tree.e);
        if (errors.Count == 0 && result.Kind is not (CelTypeKind.Bool or CelTypeKind.Dyn))
        {
            errors.Add($"line 1, column 1: the condition is a {result.Name}, not a boolean; hint: compare it, e.g. '... == value' or '... > 0'");
        }

        return errors;
    }

    /// <summary>The offset of the first character outside every token, whitespace and comment of the tree.</summary>
    private static int? Uncovered(string condition, IParseTree tree)
    {
        var covered = new bool[condition.Length];
        Mark(tree, covered);
        for (var i = 0; i < condition.Length; i++)
        {
            if (covered[i] || char.IsWhiteSpace(condition[i]))
            {
                continue;
            }

            if (condition[i] == '/' && i + 1 < condition.Length && condition[i + 1] == '/')
            {
                while (i < condition.Length && condition[i] != '\n')
                {
                    i++;
                }

                continue;
            }

            return i;
        }

        return null;
    }

    private static void Mark(IParseTree node, bool[] covered)
    {
        if (node is ITerminalNode { Symbol: { } token } && token.Type != TokenConstants.EOF && node is not IErrorNode)
        {
            for (var i = Math.Max(0, token.StartIndex); i <= token.StopIndex && i < covered.Length; i++)
            {
                covered[i] = true;
            }

            return;
        }

        for (var i = 0; i < node.ChildCount; i++)
        {
            Mark(node.GetChild(i), covered);
        }
    }

    private static (int Line, int Column) Position(string text, int offset)
    {
        var line = 1 + text.AsSpan(0, offset).Count('\n');
        var column = offset - (text.LastIndexOf('\n', Math.Max(0, offset - 1)) is var newline && newline >= 0 && newline < offset ? newline + 1 : 0) + 1;
        return (line, column);
    }

    private sealed class Checker(CelDeclarations declarations, List<string> errors)
    {
        private readonly Stack<Dictionary<string, CelType>> _locals = new();

        public CelType Expression(CelParser.ExprContext context)
        {
            var condition = Or(context.e);
            if (context.op is null)
            {
                return condition;
            }

            RequireBool(condition, context.e, "the condition of ?:");
            var whenTrue = Or(context.e1);
            var whenFalse = Expression(context.e2);
            return whenTrue.Kind == whenFalse.Kind ? whenTrue : CelType.Dyn;
        }

        private CelType Or(CelParser.ConditionalOrContext context) => Logical(context.e, context._e1, And, "||");

        private CelType And(CelParser.ConditionalAndContext context) => Logical(context.e, context._e1, Relation, "&&");

        /// <summary>A chain of || or &amp;&amp;: a single operand keeps its type; in a chain every operand must be a bool.</summary>
        private CelType Logical<T>(T first, IList<T> rest, Func<T, CelType> operand, string op)
            where T : ParserRuleContext
        {
            var type = operand(first);
            if (rest.Count == 0)
            {
                return type;
            }

            RequireBool(type, first, $"an operand of {op}");
            foreach (var next in rest)
            {
                RequireBool(operand(next), next, $"an operand of {op}");
            }

            return CelType.Bool;
        }

        private CelType Relation(CelParser.RelationContext context)
        {
            if (context.calc() is { } calc)
            {
                return Calc(calc);
            }

            var left = Relation(context.relation(0));
            var right = Relation(context.relation(1));
            var op = context.op.Text;
            if (context.op.Type == CelParser.IN)
            {
                if (right.Kind is not (CelTypeKind.List or CelTypeKind.Map or CelTypeKind.Dyn))
                {
                    Error(context.op, $"'in' needs a list or a map on its right, not a {right.Name}", "write 'x in [a, b]' or 'key in someMap'");
                }

                return CelType.Bool;
            }

            if (context.op.Type is CelParser.EQUALS or CelParser.NOT_EQUALS)
            {
                if (!Comparable(left, right, ordered: false))
                {
                    Error(context.op, $"'{op}' compares a {left.Name} with a {right.Name}, which is never equal", "compare values of the same type (the input's types come from the tool's JSON Schema)");
                }
            }
            else if (!Comparable(left, right, ordered: true))
            {
                Error(context.op, $"'{op}' cannot order a {left.Name} and a {right.Name}", "order numbers with numbers and strings with strings (the input's types come from the tool's JSON Schema)");
            }

            return CelType.Bool;
        }

        private static bool Comparable(CelType left, CelType right, bool ordered)
        {
            if (left.Kind == CelTypeKind.Dyn || right.Kind == CelTypeKind.Dyn)
            {
                return true;
            }

            if (!ordered && (left.Kind == CelTypeKind.Null || right.Kind == CelTypeKind.Null))
            {
                return true;
            }

            return left.Kind == right.Kind && (!ordered || left.Kind is CelTypeKind.Number or CelTypeKind.String or CelTypeKind.Bool or CelTypeKind.Bytes);
        }

        private CelType Calc(CelParser.CalcContext context)
        {
            if (context.unary() is { } unary)
            {
                return Unary(unary);
            }

            var left = Calc(context.calc(0));
            var right = Calc(context.calc(1));
            if (left.Kind == CelTypeKind.Dyn || right.Kind == CelTypeKind.Dyn)
            {
                return left.Kind == right.Kind || context.op.Type != CelParser.PLUS ? (left.Kind == CelTypeKind.Dyn ? right : left) : CelType.Dyn;
            }

            var fits = context.op.Type == CelParser.PLUS
                ? left.Kind == right.Kind && left.Kind is CelTypeKind.Number or CelTypeKind.String or CelTypeKind.List or CelTypeKind.Bytes
                : left.Kind == CelTypeKind.Number && right.Kind == CelTypeKind.Number;
            if (!fits)
            {
                Error(context.op, $"'{context.op.Text}' cannot combine a {left.Name} and a {right.Name}", "arithmetic takes numbers; '+' also joins two strings or two lists");
                return CelType.Dyn;
            }

            return left;
        }

        private CelType Unary(CelParser.UnaryContext context)
        {
            switch (context)
            {
                case CelParser.MemberExprContext member:
                    return Member(member.member());
                case CelParser.LogicalNotContext not:
                    RequireBool(Member(not.member()), not, "the operand of !");
                    return CelType.Bool;
                case CelParser.NegateContext negate:
                    var operand = Member(negate.member());
                    if (operand.Kind is not (CelTypeKind.Number or CelTypeKind.Dyn))
                    {
                        Error(negate.Start, $"'-' cannot negate a {operand.Name}", "negate a number");
                    }

                    return operand;
                default:
                    return CelType.Dyn;
            }
        }

        private CelType Member(CelParser.MemberContext context)
        {
            switch (context)
            {
                case CelParser.PrimaryExprContext primary:
                    return Primary(primary.primary());
                case CelParser.SelectContext select:
                    return Field(Member(select.member()), select.id, select.member().GetText());
                case CelParser.MemberCallContext call:
                    return MemberCall(call);
                case CelParser.IndexContext index:
                    var container = Member(index.member());
                    var key = Expression(index.index);
                    return container.Kind switch
                    {
                        CelTypeKind.List => RequireIndex(key, CelTypeKind.Number, index, container.Element ?? CelType.Dyn),
                        CelTypeKind.Map when container.Fields is not null && Unwrap(index.index) is CelParser.ConstantLiteralContext { } literal && literal.literal() is CelParser.StringContext
                            => Field(container, literal.Start, index.member().GetText(), literal.GetText().Trim('\'', '"')),
                        CelTypeKind.Map => RequireIndex(key, CelTypeKind.String, index, container.Element ?? CelType.Dyn),
                        CelTypeKind.Dyn => CelType.Dyn,
                        _ => Error(index.Start, $"a {container.Name} cannot be indexed", "index a list with a number or a map with a string"),
                    };
                default:
                    return CelType.Dyn;
            }
        }

        private CelType RequireIndex(CelType key, CelTypeKind wanted, ParserRuleContext at, CelType result)
        {
            if (key.Kind != CelTypeKind.Dyn && key.Kind != wanted)
            {
                Error(at.Start, $"the index is a {key.Name}", wanted == CelTypeKind.Number ? "index a list with a number" : "index a map with a string");
            }

            return result;
        }

        private CelType Field(CelType target, IToken at, string owner, string? name = null)
        {
            name ??= at.Text;
            if (target.Kind == CelTypeKind.Dyn)
            {
                return CelType.Dyn;
            }

            if (target.Kind != CelTypeKind.Map)
            {
                return Error(at, $"'{owner}' is a {target.Name}, which has no field '{name}'", "select fields of objects only");
            }

            if (target.Fields is { } fields)
            {
                if (fields.TryGetValue(name, out var field))
                {
                    return field;
                }

                if (target.Closed)
                {
                    var known = fields.Count == 0 ? "none" : string.Join(", ", fields.Keys.Order(StringComparer.Ordinal));
                    return Error(at, $"'{owner}' has no field '{name}'", $"its fields are: {known}");
                }
            }

            return target.Element ?? CelType.Dyn;
        }

        private CelType MemberCall(CelParser.MemberCallContext call)
        {
            var name = call.id.Text;
            var arguments = call.args?.expr() ?? [];
            if (name is "all" or "exists" or "exists_one" or "map" or "filter" && arguments.Length >= 2
                && Unwrap(arguments[0]) is CelParser.IdentOrGlobalCallContext { op: null } variable)
            {
                var range = Member(call.member());
                var element = range.Kind == CelTypeKind.List ? range.Element ?? CelType.Dyn : range.Kind == CelTypeKind.Map ? CelType.String : CelType.Dyn;
                _locals.Push(new Dictionary<string, CelType>(StringComparer.Ordinal) { [variable.id.Text] = element });
                var bodies = arguments.Skip(1).Select(Expression).ToList();
                _locals.Pop();
                if (name is "all" or "exists" or "exists_one" or "filter")
                {
                    RequireBool(bodies[^1], arguments[^1], $"the predicate of {name}()");
                }

                return name switch
                {
                    "map" => CelType.List(bodies[^1]),
                    "filter" => range,
                    _ => CelType.Bool,
                };
            }

            var target = Member(call.member());
            var types = arguments.Select(Expression).ToList();
            switch (name)
            {
                case "startsWith" or "endsWith" or "contains" or "matches":
                    RequireString(target, call.member(), name);
                    if (types.Count == 1)
                    {
                        RequireString(types[0], arguments[0], name);
                    }

                    return CelType.Bool;
                case "size":
                    return CelType.Int;
                case "toLowerCase" or "toUpperCase" or "trim" or "substring" or "replace" or "charAt":
                    RequireString(target, call.member(), name);
                    return CelType.String;
                case "indexOf" or "lastIndexOf":
                    return CelType.Int;
                default:
                    return CelType.Dyn;
            }
        }

        private void RequireString(CelType type, ParserRuleContext at, string function)
        {
            if (type.Kind is not (CelTypeKind.String or CelTypeKind.Dyn))
            {
                Error(at.Start, $"{function}() works on strings, not on a {type.Name} ('{at.GetText()}')", "convert with string(...) or test a string field");
            }
        }

        private CelType Primary(CelParser.PrimaryContext context)
        {
            switch (context)
            {
                case CelParser.NestedContext nested:
                    return Expression(nested.e);
                case CelParser.ConstantLiteralContext literal:
                    return literal.literal() switch
                    {
                        CelParser.IntContext or CelParser.UintContext or CelParser.DoubleContext => CelType.Double,
                        CelParser.StringContext => CelType.String,
                        CelParser.BytesContext => CelType.Bytes,
                        CelParser.BoolTrueContext or CelParser.BoolFalseContext => CelType.Bool,
                        CelParser.NullContext => CelType.Null,
                        _ => CelType.Dyn,
                    };
                case CelParser.IdentOrGlobalCallContext { op: null } identifier:
                    return Variable(identifier.id);
                case CelParser.IdentOrGlobalCallContext call:
                    var arguments = call.args?.expr() ?? [];
                    _ = arguments.Select(Expression).ToList();
                    return call.id.Text switch
                    {
                        "has" or "bool" => CelType.Bool,
                        "size" or "int" or "uint" or "double" => CelType.Int,
                        "string" => CelType.String,
                        "bytes" => CelType.Bytes,
                        _ => CelType.Dyn,
                    };
                case CelParser.CreateListContext list:
                    var items = (list.listInit()?.optExpr() ?? []).Select(e => Expression(e.e)).ToList();
                    return CelType.List(items.Count > 0 && items.All(i => i.Kind == items[0].Kind) ? items[0] : CelType.Dyn);
                case CelParser.CreateStructContext:
                    return CelType.Map(CelType.Dyn);
                default:
                    return CelType.Dyn;
            }
        }

        private CelType Variable(IToken name)
        {
            foreach (var scope in _locals)
            {
                if (scope.TryGetValue(name.Text, out var local))
                {
                    return local;
                }
            }

            if (declarations.Variables.TryGetValue(name.Text, out var declared))
            {
                return declared;
            }

            return Error(name, $"undeclared variable '{name.Text}'", $"the declared variables are {string.Join(", ", declarations.Names)}");
        }

        private void RequireBool(CelType type, ParserRuleContext at, string what)
        {
            if (type.Kind is not (CelTypeKind.Bool or CelTypeKind.Dyn))
            {
                Error(at.Start, $"{what} is a {type.Name} ('{at.GetText()}'), not a boolean", "compare it, e.g. '... == value'");
            }
        }

        private CelType Error(IToken at, string message, string hint)
        {
            errors.Add($"line {at.Line}, column {at.Column + 1}: {message}; hint: {hint}");
            return CelType.Dyn;
        }

        private static IParseTree Unwrap(CelParser.ExprContext expression)
        {
            IParseTree node = expression;
            while (node.ChildCount == 1 && node is not CelParser.ConstantLiteralContext && node.GetChild(0) is not ITerminalNode)
            {
                node = node.GetChild(0);
            }

            return node;
        }
    }
}
