using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Cel;

namespace AgentOperator.Crds.Validation;

/// <summary>
/// Evaluates <c>x-kubernetes-validations</c> like kube-apiserver: <c>self</c> is the node, <c>oldSelf</c> its previous value
/// on update; absent nodes are not evaluated; transition rules are skipped without an old value; a failed rule is reported
/// at the node's path plus the rule's fieldPath, with the schema type of the node as the value.
/// </summary>
internal static partial class CelRuleValidator
{
    public static void Validate(JsonNode? node, JsonNode? oldNode, SchemaNode schema, string path, bool isResourceRoot, List<FieldError> errors)
    {
        if (JsonValues.IsNull(node) || !schema.HasRules)
        {
            return;
        }

        if (JsonValues.IsNull(oldNode))
        {
            oldNode = null;
        }

        if (schema.Rules.Count > 0)
        {
            EvaluateRules(node!, oldNode, schema, path, isResourceRoot, errors);
        }

        foreach (var sub in schema.AllOf)
        {
            Validate(node, oldNode, sub, path, isResourceRoot, errors);
        }

        switch (node)
        {
            case JsonObject o:
                var old = oldNode as JsonObject;
                foreach (var (key, value) in o)
                {
                    if (schema.Properties.TryGetValue(key, out var property))
                    {
                        Validate(value, old?[key], property, FieldPath.Child(path, key), property.EmbeddedResource, errors);
                    }
                    else if (schema.AdditionalProperties is { } values)
                    {
                        Validate(value, old?[key], values, FieldPath.Key(path, key), values.EmbeddedResource, errors);
                    }
                }

                break;
            case JsonArray a when schema.Items is { } items:
                var oldList = oldNode as JsonArray;
                for (var i = 0; i < a.Count; i++)
                {
                    Validate(a[i], CorrelatedItem(a[i], oldList, schema), items, FieldPath.Index(path, i), items.EmbeddedResource, errors);
                }

                break;
        }
    }

    // Only items of x-kubernetes-list-type: map lists have an old value (matched by their keys), as in Kubernetes.
    private static JsonNode? CorrelatedItem(JsonNode? item, JsonArray? oldList, SchemaNode schema)
    {
        if (oldList is null || schema.ListType != "map" || schema.ListMapKeys.Count == 0 || item is not JsonObject current)
        {
            return null;
        }

        return oldList.FirstOrDefault(old => old is JsonObject o && schema.ListMapKeys.All(k => JsonNode.DeepEquals(o[k], current[k])));
    }

    private static void EvaluateRules(JsonNode node, JsonNode? oldNode, SchemaNode schema, string path, bool isResourceRoot, List<FieldError> errors)
    {
        var typeName = schema.Type ?? JsonValues.TypeName(node);
        var variables = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["self"] = CelValues.From(node, schema, isResourceRoot),
        };
        if (oldNode is not null)
        {
            variables["oldSelf"] = CelValues.From(oldNode, schema, isResourceRoot);
        }

        foreach (var rule in schema.Rules)
        {
            if (rule.UsesOldSelf && oldNode is null)
            {
                continue;
            }

            var outcome = Evaluate(rule.Program, variables);
            if (outcome.Error is { } error)
            {
                errors.Add(FieldError.Invalid(FieldPath.Display(path), typeName, $"{error} evaluating rule: {rule.ErrorString}"));
                continue;
            }

            if (outcome.Value is true)
            {
                continue;
            }

            if (outcome.Value is not false)
            {
                errors.Add(FieldError.Invalid(FieldPath.Display(path), typeName, $"{DescribeNonBoolean(outcome.Value)} evaluating rule: {rule.ErrorString}"));
                continue;
            }

            var errorPath = rule.FieldPath is null ? path : FieldPath.Child(path, rule.FieldPath);
            var detail = MessageFromExpression(rule, variables) ?? rule.MessageOrDefault;
            errors.Add(rule.Reason switch
            {
                "FieldValueForbidden" => FieldError.Forbidden(FieldPath.Display(errorPath), detail),
                "FieldValueRequired" => FieldError.Required(FieldPath.Display(errorPath), detail),
                // Kubernetes reports a Duplicate with the node's type as the value and drops the message.
                "FieldValueDuplicate" => FieldError.Duplicate(FieldPath.Display(errorPath), typeName),
                _ => FieldError.Invalid(FieldPath.Display(errorPath), typeName, detail),
            });
        }
    }

    private static string? MessageFromExpression(CelRuleProgram rule, Dictionary<string, object?> variables)
    {
        if (rule.MessageExpression is null)
        {
            return null;
        }

        var outcome = Evaluate(rule.MessageExpression, variables);
        return outcome.Value is string s && s.Trim().Length > 0 && !s.Contains('\n', StringComparison.Ordinal) ? s.Trim() : null;
    }

    private readonly record struct Outcome(object? Value, string? Error);

    private static Outcome Evaluate(CelProgramDelegate program, Dictionary<string, object?> variables)
    {
        try
        {
            return new Outcome(program.Invoke(variables!), null);
        }
        catch (CelException ex)
        {
            return new Outcome(null, Describe(ex));
        }
    }

    // The library returns a "no such field" marker instead of throwing when a rule selects an absent field.
    private static string DescribeNonBoolean(object? value) =>
        value?.GetType().Name == "CelNoSuchField" ? "no such key" : $"rule returned {value?.GetType().Name ?? "null"}, not a boolean";

    // Phrase the library's errors like cel-go's, which is what users of kube-apiserver see.
    internal static string Describe(CelException ex) => ex switch
    {
        CelNoSuchFieldException when MissingField().Match(ex.Message) is { Success: true } m => $"no such key: {m.Groups[1].Value}",
        CelTypeDoesNotSupportFieldSelectionException when MissingSelection().Match(ex.Message) is { Success: true } m => $"no such key: {m.Groups[1].Value}",
        CelNoSuchOverloadException => $"no such overload: {ex.Message}",
        CelArgumentRangeException => $"index out of bounds: {ex.Message}",
        CelDivideByZeroException => "division by zero",
        CelModulusByZeroException => "modulus by zero",
        CelOverflowException => "integer overflow",
        _ => ex.Message,
    };

    [GeneratedRegex("select field '([^']*)'")]
    private static partial Regex MissingField();

    [GeneratedRegex(@"Type '(?:[^']*\.)?([^'.]*)' does not support field selection")]
    private static partial Regex MissingSelection();
}
