using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using AgentOperator.Crds.Validation;
using AgentOperator.DevCluster.Api;
using AgentOperator.DevCluster.Auth;
using AgentOperator.DevCluster.Storage;

namespace AgentOperator.DevCluster.Admission;

/// <summary>
/// The ValidatingAdmissionPolicy admission plugin (k8s.io/apiserver/pkg/admission/plugin/policy/validating): every
/// ValidatingAdmissionPolicyBinding whose policy exists and whose policy <c>matchConstraints</c> and own
/// <c>matchResources</c> match the request evaluates the policy's <c>matchConditions</c>, then its <c>validations</c>
/// (with <c>variables</c>); a failed validation or an error (under failurePolicy Fail) is acted on as the binding's
/// <c>validationActions</c> say: Deny refuses the request with the first denial, Warn adds an HTTP warning, Audit is
/// accepted and has no effect here (DevCluster keeps no audit log).
/// </summary>
internal sealed class ValidatingAdmissionPolicies(ObjectStore store, ResourceRegistry registry, RbacAuthorizer authorizer) : IValidatingAdmission
{
    private static readonly GroupResource Policies = new("admissionregistration.k8s.io", "validatingadmissionpolicies");
    private static readonly GroupResource Bindings = new("admissionregistration.k8s.io", "validatingadmissionpolicybindings");
    private static readonly GroupResource Namespaces = new("", "namespaces");

    private readonly ConcurrentDictionary<string, CompiledPolicy> _compiled = new(StringComparer.Ordinal);

    public void Validate(AdmissionRequest request)
    {
        var bindings = store.List(Bindings, null, null).Items;
        if (bindings.Count == 0)
        {
            return;
        }

        var namespaceObject = request.Namespace.Length > 0 && store.Get(Namespaces, "", request.Namespace) is { } ns ? JsonNodeExtensions.ParseObject(ns.Json) : null;
        Dictionary<string, object?>? activation = null;
        (CompiledPolicy Policy, string Binding, Decision Decision)? denied = null;
        foreach (var binding in bindings.Select(b => JsonNodeExtensions.ParseObject(b.Json)))
        {
            if (store.Get(Policies, "", binding.Str("spec", "policyName") ?? "") is not { } storedPolicy)
            {
                continue;
            }

            var policy = CompiledFor(storedPolicy);
            if (!PolicyMatcher.Matches(policy.MatchConstraints, request, namespaceObject, registry)
                || !PolicyMatcher.Matches(binding.At("spec", "matchResources") as JsonObject, request, namespaceObject, registry))
            {
                continue;
            }

            var bindingName = binding.Str("metadata", "name") ?? "";
            var actions = (binding.At("spec", "validationActions") as JsonArray ?? []).Select(a => a?.ToString()).ToList();
            activation ??= Activation(request, namespaceObject);
            foreach (var decision in Evaluate(policy, activation))
            {
                if (actions.Contains("Warn"))
                {
                    request.Warn?.Invoke($"Validation failed for ValidatingAdmissionPolicy '{policy.Name}' with binding '{bindingName}': {decision.Message}");
                }

                if (actions.Contains("Deny"))
                {
                    denied ??= (policy, bindingName, decision);
                }
            }
        }

        if (denied is { } d)
        {
            throw Denial(request, d.Policy.Name, d.Binding, d.Decision);
        }
    }

    /// <summary>A refusal of one validation (or an error that fails the request); <see cref="Reason"/> null means Invalid.</summary>
    private sealed record Decision(string Message, string? Reason);

    private CompiledPolicy CompiledFor(StoredObject stored)
    {
        var key = $"{stored.Uid}/{stored.ResourceVersion}";
        if (_compiled.TryGetValue(key, out var compiled))
        {
            return compiled;
        }

        if (_compiled.Count > 512)
        {
            _compiled.Clear();
        }

        return _compiled.GetOrAdd(key, _ => CompiledPolicy.Compile(JsonNodeExtensions.ParseObject(stored.Json)));
    }

    private static IEnumerable<Decision> Evaluate(CompiledPolicy policy, Dictionary<string, object?> shared)
    {
        if (policy.HasParams)
        {
            return Failure(policy, "DevCluster does not support paramKind/paramRef in ValidatingAdmissionPolicy");
        }

        var variables = new AdmissionCel.LazyVariables(policy.Variables);
        var activation = new Dictionary<string, object?>(shared, StringComparer.Ordinal) { ["variables"] = variables };
        variables.Activation = activation;

        // All match conditions are evaluated; any false one means "does not apply", even when another one errs.
        string? conditionError = null;
        foreach (var (name, program) in policy.MatchConditions)
        {
            var (value, error) = AdmissionCel.Evaluate(program, activation);
            if (value is false)
            {
                return [];
            }

            conditionError ??= error is not null ? $"failed to evaluate matchCondition '{name}': {ErrorText(program, error)}"
                : value is not true ? $"matchCondition '{name}' did not evaluate to a boolean" : null;
        }

        if (conditionError is not null)
        {
            return Failure(policy, conditionError);
        }

        var decisions = new List<Decision>();
        foreach (var validation in policy.Validations)
        {
            var (value, error) = AdmissionCel.Evaluate(validation.Program, activation);
            if (error is not null || value is not bool)
            {
                decisions.AddRange(Failure(policy, ErrorText(validation.Program, error ?? "expression did not evaluate to a boolean")));
                continue;
            }

            if (value is false)
            {
                decisions.Add(new Decision(Message(validation, activation), validation.Reason));
            }
        }

        return decisions;
    }

    // kube-apiserver: "compilation error: …" for an expression that does not compile, "expression '…' resulted in error: …" at runtime.
    private static string ErrorText(AdmissionCel.Program program, string error) =>
        program.Delegate is null ? error : $"expression '{program.Expression}' resulted in error: {error}";

    private static IEnumerable<Decision> Failure(CompiledPolicy policy, string message) =>
        policy.IgnoreFailures ? [] : [new Decision(message, null)];

    // messageExpression when it gives a non-empty single line, else message, else "failed expression: <expression>".
    private static string Message(CompiledPolicy.Validation validation, Dictionary<string, object?> activation)
    {
        if (validation.MessageExpression is { } expression
            && AdmissionCel.Evaluate(expression, activation).Value is string text
            && text.Trim().Length > 0 && !text.Contains('\n', StringComparison.Ordinal))
        {
            return text.Trim();
        }

        return string.IsNullOrWhiteSpace(validation.Message) ? $"failed expression: {validation.Program.Expression.Trim()}" : validation.Message.Trim();
    }

    private Dictionary<string, object?> Activation(AdmissionRequest request, JsonObject? namespaceObject)
    {
        var type = request.Type;
        var kind = request.Subresource == "scale"
            ? Map(("group", "autoscaling"), ("version", "v1"), ("kind", "Scale"))
            : Map(("group", type.Group), ("version", type.Version), ("kind", type.Kind));
        var resource = Map(("group", type.Group), ("version", type.Version), ("resource", type.Resource));
        var user = request.User;
        var requestValue = Map(
            ("uid", Guid.NewGuid().ToString()),
            ("kind", kind),
            ("resource", resource),
            ("subResource", request.Subresource),
            ("requestKind", kind),
            ("requestResource", resource),
            ("requestSubResource", request.Subresource),
            ("name", request.Name),
            ("namespace", request.Namespace),
            ("operation", request.Operation),
            ("userInfo", Map(
                ("username", user.Name),
                ("uid", user.Uid),
                ("groups", user.Groups.Cast<object?>().ToList()),
                ("extra", user.Extra.ToDictionary(kv => kv.Key, kv => (object?)kv.Value.Cast<object?>().ToList(), StringComparer.Ordinal)))),
            ("dryRun", request.DryRun),
            ("options", CelValues.FromAdmissionObject(request.Options, null)));

        var requestResource = new RequestAttributes("", type.Group, type.Resource, request.Subresource, request.Namespace, request.Name, true, "");
        return new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["object"] = ToCel(type, request.Object),
            ["oldObject"] = ToCel(type, request.OldObject),
            ["request"] = requestValue,
            ["params"] = null,
            ["namespaceObject"] = namespaceObject is null ? null : CelValues.FromAdmissionObject(NamespaceView(namespaceObject), null),
            ["authorizer"] = new CelAuthorizer(authorizer, user, requestResource),
        };
    }

    private static object? ToCel(ResourceType type, JsonObject? obj) =>
        obj is null ? null : type.Schema is { } schema ? schema.ToAdmissionCelValue(obj) : CelValues.FromAdmissionObject(obj, null);

    // kube-apiserver's CreateNamespaceObject: name, generateName, labels, annotations and the like, spec and status.
    private static JsonObject NamespaceView(JsonObject ns)
    {
        var view = ns.CloneObject();
        view.Metadata().Remove("managedFields");
        return view;
    }

    private static Dictionary<string, object?> Map(params (string Key, object? Value)[] entries) =>
        entries.ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal);

    // admission.NewForbidden with the code and reason of the validation (reasonToCode), and the message as its one cause.
    private static ApiException Denial(AdmissionRequest request, string policy, string binding, Decision decision)
    {
        var message = $"ValidatingAdmissionPolicy '{policy}' with binding '{binding}' denied request: {decision.Message}";
        var reason = decision.Reason is { Length: > 0 } r ? r : "Invalid";
        var code = reason switch
        {
            "Forbidden" => 403,
            "Unauthorized" => 401,
            "RequestEntityTooLarge" => 413,
            _ => 422,
        };
        var name = request.Name.Length > 0 ? request.Name
            : request.Object.Str("metadata", "name") is { Length: > 0 } n ? n
            : request.Object.Str("metadata", "generateName") is { Length: > 0 } g ? g : "Unknown";
        var details = new JsonObject { ["name"] = name };
        if (request.Type.Group.Length > 0)
        {
            details["group"] = request.Type.Group;
        }

        details["kind"] = request.Type.Resource;
        details["causes"] = new JsonArray(new JsonObject { ["message"] = message });
        return new ApiException(code, ApiErrors.Status(code, reason, $"{request.Type.Key} \"{name}\" is forbidden: {message}", details));
    }
}
