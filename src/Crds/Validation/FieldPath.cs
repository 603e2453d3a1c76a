namespace AgentOperator.Crds.Validation;

/// <summary>Builds field paths the way apimachinery's <c>field.Path</c> prints them: <c>spec.tools[0].name</c>, <c>spec.models[planner]</c>.</summary>
internal static class FieldPath
{
    public const string Root = "";

    public static string Child(string path, string name) => path.Length == 0 ? name : path + "." + name;

    public static string Index(string path, int index) => path + "[" + index.ToString(System.Globalization.CultureInfo.InvariantCulture) + "]";

    public static string Key(string path, string key) => path + "[" + key + "]";

    /// <summary>apimachinery prints a nil path (an error about the whole object) as <c>&lt;nil&gt;</c>.</summary>
    public static string Display(string path) => path.Length == 0 ? "<nil>" : path;
}
