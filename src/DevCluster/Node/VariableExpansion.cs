using System.Text;

namespace AgentOperator.DevCluster.Node;

/// <summary>
/// The kubelet's <c>$(VAR)</c> expansion of env values, command and args: a defined variable is replaced, an undefined
/// reference is kept as written, <c>$$</c> escapes a <c>$</c>, any other <c>$</c> stays.
/// </summary>
internal static class VariableExpansion
{
    public static string Expand(string input, IReadOnlyDictionary<string, string> variables)
    {
        var result = new StringBuilder(input.Length);
        for (var i = 0; i < input.Length; i++)
        {
            if (input[i] != '$' || i + 1 >= input.Length)
            {
                result.Append(input[i]);
                continue;
            }

            var next = input[i + 1];
            if (next == '$')
            {
                result.Append('$');
                i++;
            }
            else if (next == '(' && input.IndexOf(')', i + 2) is var close and > 0)
            {
                var name = input[(i + 2)..close];
                result.Append(variables.TryGetValue(name, out var value) ? value : $"$({name})");
                i = close;
            }
            else
            {
                result.Append('$');
            }
        }

        return result.ToString();
    }
}
