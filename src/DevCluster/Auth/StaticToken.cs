namespace AgentOperator.DevCluster.Auth;

/// <summary>
/// A bearer token that authenticates a fixed user, as one line of kube-apiserver's <c>--token-auth-file</c>
/// (<c>token,user,uid,"group1,group2"</c>). Exec-plugin and OIDC-style kubeconfigs that hand kubectl such a token work too.
/// </summary>
public sealed record StaticToken(string Token, string User, string Uid, IReadOnlyList<string> Groups)
{
    /// <summary>Reads a token file: one token per line, CSV, at least token, user and uid; groups optional and quoted when several.</summary>
    public static IReadOnlyList<StaticToken> ParseFile(string path)
    {
        var tokens = new List<StaticToken>();
        var lineNumber = 0;
        foreach (var raw in File.ReadAllLines(path))
        {
            lineNumber++;
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var fields = SplitCsv(line);
            if (fields.Count < 3)
            {
                throw new FormatException($"token file '{path}' line {lineNumber}: expected token,user,uid[,\"group1,group2\"], got {fields.Count} fields");
            }

            var groups = fields.Count > 3 ? fields[3].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries) : [];
            tokens.Add(new StaticToken(fields[0], fields[1], fields[2], groups));
        }

        return tokens;
    }

    private static List<string> SplitCsv(string line)
    {
        var fields = new List<string>();
        var current = new System.Text.StringBuilder();
        var quoted = false;
        foreach (var c in line)
        {
            if (c == '"')
            {
                quoted = !quoted;
            }
            else if (c == ',' && !quoted)
            {
                fields.Add(current.ToString().Trim());
                current.Clear();
            }
            else
            {
                current.Append(c);
            }
        }

        fields.Add(current.ToString().Trim());
        return fields;
    }
}
