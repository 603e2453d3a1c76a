using System.Text.Json.Nodes;
using Cel;

namespace AgentOperator.Crds.Validation;

/// <summary>
/// A compiled structural schema of one CRD version (its <c>openAPIV3Schema</c>): prunes, defaults and validates objects
/// the way kube-apiserver does, including <c>x-kubernetes-validations</c> CEL rules. Generic over any structural schema.
/// Thread-safe once compiled.
/// </summary>
/// <remarks>
/// Typical request handling, in kube-apiserver's order: <see cref="ApplyDefaults"/> (prune unknown fields, then
/// default), then <see cref="Validate"/> with the stored object as <c>oldObj</c> on update.
/// </remarks>
public sealed class CustomResourceSchema
{
    // The library's environment is only read after construction; compilation is serialized because parsing is not documented as thread-safe.
    private static readonly CelEnvironment Cel = CreateEnvironment();
    private static readonly Lock CompileLock = new();

    private const string BlockedRulesDetail =
        "some validation rules were not checked because the object was invalid; correct the existing errors to complete validation";

    private readonly SchemaNode _root;

    private CustomResourceSchema(SchemaNode root) => _root = root;

    /// <summary>
    /// Parses the schema and compiles every CEL rule once. Throws <see cref="SchemaCompilationException"/> listing every rule
    /// that does not compile and every invalid pattern, with its path inside the schema.
    /// </summary>
    public static CustomResourceSchema Compile(JsonNode openApiV3Schema)
    {
        ArgumentNullException.ThrowIfNull(openApiV3Schema);
        var errors = new List<FieldError>();
        SchemaNode root;
        lock (CompileLock)
        {
            root = SchemaNode.Parse(openApiV3Schema, "openAPIV3Schema", Cel, errors);
        }

        return errors.Count > 0 ? throw new SchemaCompilationException(errors) : new CustomResourceSchema(root);
    }

    /// <summary>
    /// Validates <paramref name="obj"/> (after defaulting) against the schema and its CEL rules; <paramref name="oldObj"/> is
    /// the stored object on update, which enables transition rules (those using <c>oldSelf</c>). Returns no errors when valid.
    /// As in kube-apiserver, CEL rules are not run when the schema check found a type, required, enum or size error;
    /// a final <c>&lt;nil&gt;</c> error says so.
    /// </summary>
    public IReadOnlyList<FieldError> Validate(JsonNode obj, JsonNode? oldObj = null)
    {
        ArgumentNullException.ThrowIfNull(obj);
        var errors = new List<FieldError>();
        SchemaValueValidator.Validate(obj, _root, FieldPath.Root, isResourceRoot: true, errors);
        if (errors.Any(e => e.Type is FieldErrorType.NotSupported or FieldErrorType.Required or FieldErrorType.TooLong
                or FieldErrorType.TooMany or FieldErrorType.TypeInvalid))
        {
            errors.Add(FieldError.Invalid(FieldPath.Display(FieldPath.Root), null, BlockedRulesDetail));
            return errors;
        }

        CelRuleValidator.Validate(obj, oldObj, _root, FieldPath.Root, isResourceRoot: true, errors);
        return errors;
    }

    /// <summary>
    /// The object as a CEL value for admission policies (<c>object</c>, <c>oldObject</c>): typed by this schema, with all of
    /// metadata visible (unlike <c>self</c> at a resource root). Values are the <c>Cel</c> library's (maps, lists, long, double, string, bool).
    /// </summary>
    public object? ToAdmissionCelValue(JsonObject? obj) => CelValues.FromAdmissionObject(obj, _root);

    private static CelEnvironment CreateEnvironment()
    {
        var environment = new CelEnvironment([], "");
        PresenceTest.Register(environment);
        return environment;
    }

    /// <summary>
    /// Does what kube-apiserver does when it decodes a custom resource: prunes fields the schema does not specify
    /// (see <see cref="Prune"/>), then applies defaults recursively. Mutates <paramref name="obj"/>.
    /// </summary>
    public void ApplyDefaults(JsonNode obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        Prune(obj);
        StructuralDefaulter.Apply(obj, _root);
    }

    /// <summary>
    /// Removes fields the schema does not specify (except under <c>x-kubernetes-preserve-unknown-fields</c>, and except
    /// apiVersion, kind and metadata at the root) and returns their paths, e.g. <c>spec.foo</c>, for
    /// <c>unknown field "spec.foo"</c> warnings or strict field validation. Mutates <paramref name="obj"/>.
    /// </summary>
    public IReadOnlyList<string> Prune(JsonNode obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        var pruned = new List<string>();
        StructuralPruner.Prune(obj, _root, FieldPath.Root, isResourceRoot: true, pruned);
        return pruned;
    }
}
