using Antlr4.Runtime;
using Antlr4.Runtime.Tree;
using Cel;
using Cel.Internal;

namespace AgentOperator.DevCluster.Api.CelCost;

/// <summary>
/// The static worst-case cost of a CRD validation expression, as kube-apiserver computes it before it accepts a CRD:
/// cel-go's checker.Cost (checker/cost.go) with kube-apiserver's size estimator (apiextensions-apiserver
/// schema/cel/compilation.go: the size of <c>self</c>, <c>oldSelf</c> and everything reached from them is the schema's
/// <see cref="CelDeclType.MaxElements"/>), the cost of kube-apiserver's list and string library functions
/// (apiserver pkg/cel/library/cost.go) and presence tests (<c>has()</c>) at no cost, as kube-apiserver configures cel-go.
/// Walks the parse tree of the <c>Cel</c> package, which is the tree the rules are evaluated from here.
/// </summary>
/// <remarks>
/// Costs (cel-go common/cost.go): an identifier or field selection 1, a literal 0, a list literal 10, a map literal 30, a
/// message literal 40, a function call 1 plus its arguments, except: string and bytes equality, ordering and
/// concatenation, startsWith/endsWith 0.1 per character, contains (0.1 × length)², matches 0.1 × length × 0.25 × pattern
/// length, <c>in</c> a list 1 per item, &amp;&amp; and || and ?: only their operands. A macro (all, exists, exists_one,
/// map, filter) costs its range plus, per item of the range's maximal size, its predicate and step, so that a rule nested
/// in another over the same unbounded list is quadratic in the list's size.
/// Not held: cel-go's type checker (an unknown function costs 1 plus its arguments instead of failing to compile),
/// kube-apiserver's exact formulas for replace, format, quantity, url and ip functions (estimated here as a traversal
/// of their target), two-variable comprehensions and optional syntax.
/// </remarks>
internal sealed class CelCostEstimator
{
    private const double StringTraversalCostFactor = 0.1;
    private const double RegexStringLengthCostFactor = 0.25;
    private const ulong ListCreateBaseCost = 10;
    private const ulong MapCreateBaseCost = 30;
    private const ulong StructCreateBaseCost = 40;

    private static readonly Lock ParseLock = new();
    private static readonly CelEnvironment Environment = new([], "");
    private static readonly Dictionary<string, object?> NoVariables = new(StringComparer.Ordinal);

    private readonly CelDeclType _self;
    private readonly Dictionary<string, Stack<Node>> _locals = new(StringComparer.Ordinal);

    private CelCostEstimator(CelDeclType self) => _self = self;

    /// <summary>
    /// The estimated cost of <paramref name="expression"/> with <c>self</c> and <c>oldSelf</c> of type
    /// <paramref name="self"/>; null when the expression does not parse (its compile error is reported elsewhere).
    /// </summary>
    public static CelEstimate? Estimate(string expression, CelDeclType self)
    {
        CelParser.StartContext tree;
        try
        {
            lock (ParseLock)
            {
                tree = Environment.Parse(expression);
            }
        }
#pragma warning disable CA1031 // the parser reports syntax errors with several exception types; compilation reports them
        catch (Exception)
#pragma warning restore CA1031
        {
            return null;
        }

        return tree.e is null ? null : new CelCostEstimator(self).Expression(tree.e).Cost;
    }

    private Node Expression(CelParser.ExprContext context)
    {
        var condition = Or(context.e);
        if (context.op is null)
        {
            return condition;
        }

        // _?_:_ costs its condition and the dearer branch; its size covers both.
        var whenTrue = Or(context.e1);
        var whenFalse = Expression(context.e2);
        return new Node(
            condition.Cost.Add(whenTrue.Cost.Union(whenFalse.Cost)),
            whenTrue.Kind == whenFalse.Kind ? whenTrue.Kind : CelKind.Dyn,
            Type: whenTrue.Type == whenFalse.Type ? whenTrue.Type : null,
            Size: SizeOf(whenTrue).Union(SizeOf(whenFalse)));
    }

    private Node Or(CelParser.ConditionalOrContext context) => ShortCircuit(And(context.e), context._e1.Select(And));

    private Node And(CelParser.ConditionalAndContext context) => ShortCircuit(Relation(context.e), context._e1.Select(Relation));

    /// <summary>&amp;&amp; and ||: at least the first operand, at most all of them; no cost of their own.</summary>
    private static Node ShortCircuit(Node first, IEnumerable<Node> rest)
    {
        var result = first;
        foreach (var next in rest)
        {
            result = new Node(new CelEstimate(result.Cost.Min, CelEstimate.Add(result.Cost.Max, next.Cost.Max)), CelKind.Bool);
        }

        return result;
    }

    private Node Relation(CelParser.RelationContext context)
    {
        if (context.calc() is { } calc)
        {
            return Calc(calc);
        }

        var left = Relation(context.relation(0));
        var right = Relation(context.relation(1));
        var arguments = left.Cost.Add(right.Cost);
        var cost = context.op.Type switch
        {
            CelParser.EQUALS or CelParser.NOT_EQUALS => Comparison(left, right).Add(arguments),
            CelParser.IN => In(right).Add(arguments),
            _ => Ordering(left, right).Add(arguments),
        };
        return new Node(cost, CelKind.Bool);
    }

    /// <summary>Equality, and ordering of strings or bytes: 0.1 per character of the shorter operand's maximal size.</summary>
    private static CelEstimate Comparison(Node left, Node right)
    {
        var smallestMax = Math.Min(SizeOf(left).Max, SizeOf(right).Max);
        return new CelEstimate(smallestMax > 0 ? 1UL : 0UL, smallestMax).MultiplyByFactor(StringTraversalCostFactor);
    }

    /// <summary>&lt; &lt;= &gt; &gt;=: O(1), except strings and bytes; a dyn operand may be either (the dearer is taken).</summary>
    private static CelEstimate Ordering(Node left, Node right)
    {
        var text = (left.Kind is CelKind.String or CelKind.Bytes or CelKind.Dyn) && (right.Kind is CelKind.String or CelKind.Bytes or CelKind.Dyn);
        return text ? Comparison(left, right).Union(CelEstimate.Fixed(1)) : CelEstimate.Fixed(1);
    }

    /// <summary><c>in</c>: one per item of a list, O(1) in a map.</summary>
    private static CelEstimate In(Node container) => container.Kind switch
    {
        CelKind.List => SizeOf(container).MultiplyByFactor(1),
        CelKind.Map or CelKind.Object => CelEstimate.Fixed(1),
        _ => SizeOf(container).MultiplyByFactor(1).Union(CelEstimate.Fixed(1)),
    };

    private Node Calc(CelParser.CalcContext context)
    {
        if (context.unary() is { } unary)
        {
            return Unary(unary);
        }

        var left = Calc(context.calc(0));
        var right = Calc(context.calc(1));
        var arguments = left.Cost.Add(right.Cost);
        if (context.op.Type != CelParser.PLUS)
        {
            return new Node(CelEstimate.Fixed(1).Add(arguments), left.Kind == CelKind.Dyn ? right.Kind : left.Kind);
        }

        // String and bytes concatenation traverse the result; list concatenation is O(1) but sizes add up.
        var kind = left.Kind == CelKind.Dyn ? right.Kind : left.Kind;
        var size = SizeOf(left).Add(SizeOf(right));
        var cost = kind switch
        {
            CelKind.String or CelKind.Bytes => size.MultiplyByFactor(StringTraversalCostFactor),
            CelKind.Dyn => size.MultiplyByFactor(StringTraversalCostFactor).Union(CelEstimate.Fixed(1)),
            _ => CelEstimate.Fixed(1),
        };
        return new Node(cost.Add(arguments), kind, Size: kind is CelKind.String or CelKind.Bytes or CelKind.List ? size : null);
    }

    private Node Unary(CelParser.UnaryContext context)
    {
        switch (context)
        {
            case CelParser.MemberExprContext member:
                return Member(member.member());
            case CelParser.LogicalNotContext not:
                // The parser drops pairs of '!' (and of '-'): an even count is the operand itself.
                var operand = Member(not.member());
                return not.EXCLAM().Length % 2 == 0 ? operand : new Node(CelEstimate.Fixed(1).Add(operand.Cost), CelKind.Bool);
            case CelParser.NegateContext negate:
                var negated = Member(negate.member());
                var literal = negate.member() is CelParser.PrimaryExprContext { } p && p.primary() is CelParser.ConstantLiteralContext;
                return negate.MINUS().Length % 2 == 0 || literal ? negated : negated with { Cost = CelEstimate.Fixed(1).Add(negated.Cost) };
            default:
                return new Node(CelEstimate.Zero, CelKind.Dyn);
        }
    }

    private Node Member(CelParser.MemberContext context)
    {
        switch (context)
        {
            case CelParser.PrimaryExprContext primary:
                return Primary(primary.primary());
            case CelParser.SelectContext select:
                return Select(Member(select.member()), select.id.Text);
            case CelParser.MemberCallContext call:
                return MemberCall(call);
            case CelParser.IndexContext index:
                var container = Member(index.member());
                var key = Expression(index.index);
                var element = container.Kind is CelKind.List or CelKind.Map ? container.Type?.Element : null;
                return new Node(
                    CelEstimate.Fixed(1).Add(container.Cost).Add(key.Cost),
                    element?.Kind ?? (container.Kind == CelKind.List ? container.ElementKind : CelKind.Dyn),
                    element,
                    container.Path.Append(container.Kind == CelKind.Map ? "@values" : "@items", _self));
            default:
                return new Node(CelEstimate.Zero, CelKind.Dyn);
        }
    }

    /// <summary>A field of an object or map costs 1 more than its operand (nothing more on a dyn operand).</summary>
    private Node Select(Node operand, string field)
    {
        var type = operand.Type?.Kind switch
        {
            CelKind.Object => operand.Type.Fields.GetValueOrDefault(field),
            CelKind.Map => operand.Type.Element,
            _ => null,
        };
        var cost = operand.Kind is CelKind.Object or CelKind.Map ? operand.Cost.Add(CelEstimate.Fixed(1)) : operand.Cost;
        return new Node(cost, type?.Kind ?? CelKind.Dyn, type, operand.Path.Append(field, _self));
    }

    private Node MemberCall(CelParser.MemberCallContext call)
    {
        var name = call.id.Text;
        var arguments = call.args?.expr() ?? [];
        if (name is "all" or "exists" or "exists_one" or "map" or "filter" && (arguments.Length == 2 || (name == "map" && arguments.Length == 3))
            && Identifier(arguments[0]) is { } variable)
        {
            return Comprehension(name, Member(call.member()), variable, arguments[1..]);
        }

        var target = Member(call.member());
        var args = arguments.Select(Expression).ToList();
        var argumentCost = args.Aggregate(target.Cost, (sum, a) => sum.Add(a.Cost));
        switch (name)
        {
            case "size":
                return new Node(CelEstimate.Fixed(1).Add(argumentCost), CelKind.Int);
            case "startsWith" or "endsWith" when args.Count == 1:
                return new Node(SizeOf(args[0]).MultiplyByFactor(StringTraversalCostFactor).Add(argumentCost), CelKind.Bool);
            case "contains" when args.Count == 1:
                return new Node(Contains(target, args[0]).Add(argumentCost), CelKind.Bool);
            case "matches" when args.Count == 1:
                return new Node(Matches(target, args[0]).Add(argumentCost), CelKind.Bool);
            case "isSorted" or "sum" or "max" or "min" or "indexOf" or "lastIndexOf":
                return new Node(ListFunction(target).Add(argumentCost), name == "isSorted" ? CelKind.Bool : target.Type?.Element?.Kind ?? CelKind.Dyn);
            case "find" or "findAll" when args.Count >= 1:
                return new Node(Matches(target, args[0]).Add(argumentCost), name == "find" ? CelKind.String : CelKind.List);
            case "join" when target.Kind == CelKind.List:
                var joined = Joined(target, args.Count > 0 ? args[0] : null);
                return new Node(joined.MultiplyByFactor(StringTraversalCostFactor).Add(argumentCost), CelKind.String, Size: joined);
            case "split":
                // Worst case: an empty separator makes every character an item; traversal plus building the result.
                var whole = SizeOf(target);
                return new Node(whole.MultiplyByFactor(2 * StringTraversalCostFactor).Add(argumentCost), CelKind.List, Size: new CelEstimate(0, whole.Max), ElementKind: CelKind.String);
            case "lowerAscii" or "upperAscii" or "trim" or "substring" or "replace" or "charAt" or "reverse" or "format":
                var size = SizeOf(target);
                return new Node(size.MultiplyByFactor(StringTraversalCostFactor).Add(argumentCost), CelKind.String, Size: size);
            default:
                return new Node(CelEstimate.Fixed(1).Add(argumentCost), CelKind.Dyn);
        }
    }

    /// <summary>kube-apiserver's list library: one per item, plus a traversal of each item when they are strings.</summary>
    private static CelEstimate ListFunction(Node target)
    {
        if (target.Kind != CelKind.List)
        {
            return SizeOf(target).MultiplyByFactor(StringTraversalCostFactor);
        }

        var element = CelEstimate.Fixed(1);
        if (target.Type?.Element is { Kind: CelKind.String or CelKind.Bytes } item)
        {
            element = element.Add(new CelEstimate(0, (ulong)item.MaxElements).MultiplyByFactor(StringTraversalCostFactor));
        }

        return SizeOf(target).Multiply(element);
    }

    /// <summary>join: every item's size, plus the separator between each two.</summary>
    private static CelEstimate Joined(Node list, Node? separator)
    {
        var count = SizeOf(list);
        var items = list.Type?.Element is { } item ? count.Multiply(new CelEstimate(0, (ulong)item.MaxElements)) : CelEstimate.Zero;
        if (separator is null)
        {
            return items;
        }

        var gaps = new CelEstimate(count.Min > 0 ? count.Min - 1 : 0, count.Max > 0 ? count.Max - 1 : 0);
        return items.Add(SizeOf(separator).Multiply(gaps));
    }

    private static CelEstimate Contains(Node text, Node part) =>
        SizeOf(text).MultiplyByFactor(StringTraversalCostFactor).Multiply(SizeOf(part).MultiplyByFactor(StringTraversalCostFactor));

    /// <summary>RE2 is linear in the string times the program: the pattern is taken as 4 characters per state.</summary>
    private static CelEstimate Matches(Node text, Node pattern) =>
        SizeOf(text).Add(CelEstimate.Fixed(1)).MultiplyByFactor(StringTraversalCostFactor)
            .Multiply(SizeOf(pattern).MultiplyByFactor(RegexStringLengthCostFactor));

    /// <summary>
    /// A macro as cel-go expands it: range + accumulator init + result + size(range) × (loop condition + step).
    /// all: init true, condition @not_strictly_false(acc) (2), step acc &amp;&amp; p, result acc (1).
    /// exists: init false, condition @not_strictly_false(!acc) (3), step acc || p, result acc (1).
    /// exists_one: init 0, condition true, step p ? acc + 1 : acc, result acc == 1 (2).
    /// map/filter: init [] (10), condition true, step [p ?] acc + [f] : acc (12 + f, filter 13), result acc (1).
    /// </summary>
    private Node Comprehension(string macro, Node range, string variable, CelParser.ExprContext[] bodies)
    {
        var count = SizeOf(range);
        var element = range.Kind switch
        {
            CelKind.List => range.Type?.Element,
            CelKind.Map => range.Type?.Key,
            _ => null,
        };
        var iteration = new Node(
            CelEstimate.Fixed(1),
            element?.Kind ?? (range.Kind == CelKind.List ? range.ElementKind : range.Kind == CelKind.Map ? CelKind.String : CelKind.Dyn),
            element,
            range.Path.Append(range.Kind == CelKind.Map ? "@keys" : "@items", _self));
        Push(variable, iteration);
        var evaluated = bodies.Select(Expression).ToList();
        Pop(variable);
        var costs = evaluated.Select(b => b.Cost).ToList();

        var accumulator = CelEstimate.Fixed(1);
        var (initialCost, resultCost, perItem, kind) = macro switch
        {
            "all" => (CelEstimate.Zero, accumulator, Either(accumulator, costs[0]).Add(CelEstimate.Fixed(2)), CelKind.Bool),
            "exists" => (CelEstimate.Zero, accumulator, Either(accumulator, costs[0]).Add(CelEstimate.Fixed(3)), CelKind.Bool),
            "exists_one" => (CelEstimate.Zero, CelEstimate.Fixed(2), costs[0].Add(new CelEstimate(1, 2)), CelKind.Bool),
            "filter" => (CelEstimate.Fixed(ListCreateBaseCost), accumulator, costs[0].Add(new CelEstimate(1, 13)), CelKind.List),
            _ when costs.Count == 2 => (CelEstimate.Fixed(ListCreateBaseCost), accumulator,
                costs[0].Add(CelEstimate.Fixed(12).Add(costs[1]).Union(accumulator)), CelKind.List),
            _ => (CelEstimate.Fixed(ListCreateBaseCost), accumulator, CelEstimate.Fixed(12).Add(costs[0]), CelKind.List),
        };
        var cost = range.Cost.Add(initialCost).Add(resultCost).Add(count.Multiply(perItem));
        return kind == CelKind.List
            ? new Node(cost, CelKind.List, Size: count, ElementKind: macro == "filter" ? iteration.Kind : evaluated[^1].Kind)
            : new Node(cost, CelKind.Bool, Size: CelEstimate.Fixed(1));
    }

    /// <summary>The step of all/exists: acc &amp;&amp; p or acc || p.</summary>
    private static CelEstimate Either(CelEstimate accumulator, CelEstimate predicate) =>
        new(accumulator.Min, CelEstimate.Add(accumulator.Max, predicate.Max));

    private Node Primary(CelParser.PrimaryContext context)
    {
        switch (context)
        {
            case CelParser.NestedContext nested:
                return Expression(nested.e);
            case CelParser.ConstantLiteralContext literal:
                return Literal(literal.literal());
            case CelParser.IdentOrGlobalCallContext { op: null } identifier:
                return Variable(identifier.id.Text);
            case CelParser.IdentOrGlobalCallContext call:
                return GlobalCall(call.id.Text, call.args?.expr() ?? []);
            case CelParser.CreateListContext list:
                var items = (list.listInit()?.optExpr() ?? []).Select(e => Expression(e.e)).ToList();
                var itemKind = items.Count > 0 && items.All(i => i.Kind == items[0].Kind) ? items[0].Kind : CelKind.Dyn;
                return new Node(
                    items.Aggregate(CelEstimate.Fixed(ListCreateBaseCost), (sum, i) => sum.Add(i.Cost)),
                    CelKind.List,
                    Size: CelEstimate.Fixed((ulong)items.Count),
                    ElementKind: itemKind);
            case CelParser.CreateStructContext map:
                var entries = TopExpressions(map).Select(Expression).ToList();
                return new Node(
                    entries.Aggregate(CelEstimate.Fixed(MapCreateBaseCost), (sum, e) => sum.Add(e.Cost)),
                    CelKind.Map,
                    Size: CelEstimate.Fixed((ulong)entries.Count / 2));
            case CelParser.CreateMessageContext message:
                var fields = TopExpressions(message).Select(Expression).ToList();
                return new Node(fields.Aggregate(CelEstimate.Fixed(StructCreateBaseCost), (sum, f) => sum.Add(f.Cost)), CelKind.Object);
            default:
                return new Node(CelEstimate.Zero, CelKind.Dyn);
        }
    }

    private Node GlobalCall(string name, CelParser.ExprContext[] arguments)
    {
        // has(x.f) is a presence test: only its operand is paid for.
        if (name == "has" && arguments.Length == 1 && Select(arguments[0]) is { } select)
        {
            return new Node(Member(select.member()).Cost, CelKind.Bool);
        }

        var args = arguments.Select(Expression).ToList();
        var argumentCost = args.Aggregate(CelEstimate.Zero, (sum, a) => sum.Add(a.Cost));
        switch (name)
        {
            case "dyn" when args.Count == 1:
                return args[0] with { Cost = CelEstimate.Fixed(1).Add(argumentCost), Kind = CelKind.Dyn };
            case "matches" when args.Count == 2:
                return new Node(Matches(args[0], args[1]).Add(argumentCost), CelKind.Bool);
            case "bytes" when args.Count == 1 && args[0].Kind == CelKind.String:
                var text = SizeOf(args[0]);
                return new Node(text.MultiplyByFactor(StringTraversalCostFactor).Add(argumentCost), CelKind.Bytes, Size: new CelEstimate(text.Min, CelEstimate.Multiply(text.Max, 4)));
            case "string" when args.Count == 1 && args[0].Kind == CelKind.Bytes:
                var bytes = SizeOf(args[0]);
                return new Node(bytes.MultiplyByFactor(StringTraversalCostFactor).Add(argumentCost), CelKind.String, Size: new CelEstimate(bytes.Min / 4, bytes.Max));
            default:
                var kind = name switch
                {
                    "size" or "int" => CelKind.Int,
                    "uint" => CelKind.Uint,
                    "double" => CelKind.Double,
                    "string" => CelKind.String,
                    "bytes" => CelKind.Bytes,
                    "bool" => CelKind.Bool,
                    "duration" => CelKind.Duration,
                    "timestamp" => CelKind.Timestamp,
                    "type" => CelKind.Type,
                    _ => CelKind.Dyn,
                };
                return new Node(CelEstimate.Fixed(1).Add(argumentCost), kind);
        }
    }

    private static Node Literal(CelParser.LiteralContext literal)
    {
        switch (literal)
        {
            case CelParser.StringContext or CelParser.BytesContext:
                var value = Evaluate(literal.GetText());
                var length = value switch
                {
                    string s => (ulong)s.EnumerateRunes().Count(),
                    byte[] b => (ulong)b.Length,
                    _ => 0UL,
                };
                return new Node(CelEstimate.Zero, literal is CelParser.StringContext ? CelKind.String : CelKind.Bytes, Size: CelEstimate.Fixed(length));
            default:
                var kind = literal switch
                {
                    CelParser.IntContext => CelKind.Int,
                    CelParser.UintContext => CelKind.Uint,
                    CelParser.DoubleContext => CelKind.Double,
                    CelParser.BoolTrueContext or CelParser.BoolFalseContext => CelKind.Bool,
                    CelParser.NullContext => CelKind.Null,
                    _ => CelKind.Dyn,
                };
                return new Node(CelEstimate.Zero, kind, Size: CelEstimate.Fixed(1));
        }
    }

    private static object? Evaluate(string literal)
    {
        try
        {
            lock (ParseLock)
            {
                return Environment.Program(literal, NoVariables);
            }
        }
#pragma warning disable CA1031 // a literal the package cannot read has no known size; the estimate treats it as empty
        catch (Exception)
#pragma warning restore CA1031
        {
            return null;
        }
    }

    private Node Variable(string name)
    {
        if (_locals.TryGetValue(name, out var scope) && scope.Count > 0)
        {
            return scope.Peek();
        }

        // self and oldSelf are the schema node's value; nothing else is declared for CRD rules.
        return name is "self" or "oldSelf"
            ? new Node(CelEstimate.Fixed(1), _self.Kind, _self, new SchemaPath(true, _self))
            : new Node(CelEstimate.Fixed(1), CelKind.Dyn);
    }

    private void Push(string name, Node value)
    {
        if (!_locals.TryGetValue(name, out var scope))
        {
            scope = new Stack<Node>();
            _locals[name] = scope;
        }

        scope.Push(value);
    }

    private void Pop(string name) => _locals[name].Pop();

    /// <summary>
    /// cel-go's computeSize: a size the expression itself gives (literals, results), else the schema's bound for a value
    /// reached from self, else 1 for a scalar, else unknown (0 to uint64 max).
    /// </summary>
    private static CelEstimate SizeOf(Node node)
    {
        if (node.Size is { } size)
        {
            return size;
        }

        if (node.Path is { Exists: true, Type: { } type })
        {
            return new CelEstimate(0, (ulong)type.MaxElements);
        }

        return node.Kind is CelKind.Bool or CelKind.Int or CelKind.Uint or CelKind.Double or CelKind.Duration or CelKind.Timestamp
            ? CelEstimate.Fixed(1)
            : CelEstimate.Unknown;
    }

    private static string? Identifier(CelParser.ExprContext expression) =>
        Single(expression) is CelParser.IdentOrGlobalCallContext { op: null, leadingDot: null } identifier ? identifier.id.Text : null;

    private static CelParser.SelectContext? Select(CelParser.ExprContext expression) =>
        Single(expression) as CelParser.SelectContext;

    /// <summary>The one node under a chain of pass-through grammar levels (expr → … → member), or the level that branches.</summary>
    private static IParseTree Single(CelParser.ExprContext expression)
    {
        IParseTree node = expression;
        while (node is ParserRuleContext && node.ChildCount == 1 && node.GetChild(0) is not ITerminalNode
            && node is not CelParser.SelectContext and not CelParser.IdentOrGlobalCallContext)
        {
            node = node.GetChild(0);
        }

        return node;
    }

    /// <summary>The outermost expressions inside a map or message literal (its keys and values, or field values).</summary>
    private static IEnumerable<CelParser.ExprContext> TopExpressions(ParserRuleContext node)
    {
        for (var i = 0; i < node.ChildCount; i++)
        {
            var child = node.GetChild(i);
            if (child is CelParser.ExprContext expression)
            {
                yield return expression;
            }
            else if (child is ParserRuleContext rule)
            {
                foreach (var nested in TopExpressions(rule))
                {
                    yield return nested;
                }
            }
        }
    }

    /// <summary>
    /// Where a value sits in the schema, as cel-go's field path (variable, then field names, @items, @keys, @values).
    /// A path that starts at an expression without one (a call's result) is a one-element path, which kube-apiserver's
    /// estimator resolves to the rule's own node.
    /// </summary>
    private readonly record struct SchemaPath(bool Exists, CelDeclType? Type)
    {
        public SchemaPath Append(string step, CelDeclType root)
        {
            if (!Exists)
            {
                return new SchemaPath(true, root);
            }

            return new SchemaPath(true, step switch
            {
                "@items" or "@values" => Type?.Element,
                "@keys" => Type?.Key,
                _ => Type is { Kind: CelKind.Object } o ? o.Fields.GetValueOrDefault(step) : null,
            });
        }
    }

    /// <summary>What the estimate knows of one expression: its cost, kind, schema type and place, and computed size.</summary>
    private sealed record Node(
        CelEstimate Cost,
        CelKind Kind,
        CelDeclType? Type = null,
        SchemaPath Path = default,
        CelEstimate? Size = null,
        CelKind ElementKind = CelKind.Dyn);
}
