using System.Collections;
using System.Diagnostics.CodeAnalysis;
using AgentOperator.Crds.Validation;
using Cel;

namespace AgentOperator.DevCluster.Admission;

/// <summary>
/// The CEL environment of admission policies: the standard library of the <c>Cel</c> package (macros, size, string
/// functions, timestamp/duration) plus kube-apiserver's <c>authorizer</c> library. Compilation is serialized (the library
/// does not document its parser as thread-safe); compiled programs are reused concurrently.
/// </summary>
internal static class AdmissionCel
{
    private static readonly Lock CompileLock = new();
    private static readonly CelEnvironment Environment = CreateEnvironment();

    /// <summary>A compiled expression, or the compile error kube-apiserver would report for it.</summary>
    internal sealed record Program(string Expression, CelProgramDelegate? Delegate, string? CompileError);

    public static Program Compile(string expression)
    {
        if (string.IsNullOrWhiteSpace(expression))
        {
            return new Program(expression, null, "expression is empty");
        }

        try
        {
            lock (CompileLock)
            {
                return new Program(expression, Environment.Compile(PresenceTest.Rewrite(Environment, expression)), null);
            }
        }
        catch (CelException e)
        {
            return new Program(expression, null, e.Message);
        }
    }

    /// <summary>The value, or the error text as cel-go phrases it.</summary>
    public static (object? Value, string? Error) Evaluate(Program program, IDictionary<string, object?> activation)
    {
        if (program.Delegate is null)
        {
            return (null, "compilation error: " + program.CompileError);
        }

        try
        {
            var value = program.Delegate.Invoke(activation!);
            return value?.GetType().Name == "CelNoSuchField" ? (null, "no such key") : (value, null);
        }
        catch (CelException e)
        {
            return (null, CelRuleValidator.Describe(e));
        }
        catch (Exception e) when (e is InvalidCastException or InvalidOperationException or ArgumentException or KeyNotFoundException or FormatException or NullReferenceException or IndexOutOfRangeException)
        {
            return (null, e.Message);
        }
    }

    private static CelEnvironment CreateEnvironment()
    {
        var environment = new CelEnvironment([], "");
        CelAuthorizer.Register(environment);
        PresenceTest.Register(environment);

        // The library's size() is a 32-bit int, for which it has no string(); CEL's size() is an int like any other.
        environment.RegisterFunction("string", [typeof(int)], a => ((int)a[0]!).ToString(System.Globalization.CultureInfo.InvariantCulture));
        return environment;
    }

    /// <summary>
    /// <c>variables</c>: each named expression is evaluated the first time it is read and then remembered for the rest of the
    /// policy's evaluation, as kube-apiserver's composited variables are. An error is remembered too and fails every reader.
    /// </summary>
    internal sealed class LazyVariables(IReadOnlyList<(string Name, Program Program)> variables) : IDictionary<string, object?>
    {
        private readonly Dictionary<string, (object? Value, string? Error)> _values = new(StringComparer.Ordinal);

        /// <summary>The activation the variables are evaluated in (it contains this map as <c>variables</c>).</summary>
        public IDictionary<string, object?> Activation { get; set; } = new Dictionary<string, object?>();

        public bool TryGetValue(string key, [MaybeNullWhen(false)] out object? value)
        {
            if (!_values.TryGetValue(key, out var result))
            {
                var index = variables.ToList().FindIndex(v => v.Name == key);
                if (index < 0)
                {
                    value = null;
                    return false;
                }

                _values[key] = (null, $"composited variable \"{key}\" refers to itself");
                result = Evaluate(variables[index].Program, Activation);
                if (result.Error is not null)
                {
                    result = (null, $"composited variable \"{key}\" fails to evaluate: {result.Error}");
                }

                _values[key] = result;
            }

            if (result.Error is not null)
            {
                throw new CelException(result.Error);
            }

            value = result.Value;
            return true;
        }

        public object? this[string key]
        {
            get => TryGetValue(key, out var value) ? value : throw new KeyNotFoundException(key);
            set => throw new NotSupportedException();
        }

        public ICollection<string> Keys => variables.Select(v => v.Name).ToList();

        public ICollection<object?> Values => Keys.Select(k => this[k]).ToList();

        public int Count => variables.Count;

        public bool IsReadOnly => true;

        public bool ContainsKey(string key) => variables.Any(v => v.Name == key);

        public bool Contains(KeyValuePair<string, object?> item) => ContainsKey(item.Key) && Equals(this[item.Key], item.Value);

        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => Keys.Select(k => KeyValuePair.Create(k, this[k])).GetEnumerator();

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

        public void Add(string key, object? value) => throw new NotSupportedException();

        public void Add(KeyValuePair<string, object?> item) => throw new NotSupportedException();

        public void Clear() => throw new NotSupportedException();

        public void CopyTo(KeyValuePair<string, object?>[] array, int arrayIndex) => throw new NotSupportedException();

        public bool Remove(string key) => throw new NotSupportedException();

        public bool Remove(KeyValuePair<string, object?> item) => throw new NotSupportedException();
    }
}
