using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace AgentOperator.Crds.Generation;

/// <summary>
/// The <c>&lt;summary&gt;</c> of types and properties from the compiler's XML documentation file, as single-line plain
/// text: <c>&lt;c&gt;x&lt;/c&gt;</c> becomes x, <c>&lt;see cref="..."/&gt;</c> the member's short name, whitespace collapsed.
/// </summary>
public sealed partial class XmlDocumentation
{
    private readonly Dictionary<string, string> _summaries;

    private XmlDocumentation(Dictionary<string, string> summaries) => _summaries = summaries;

    /// <summary>Loads the documentation file the compiler wrote next to <paramref name="assembly"/> (GenerateDocumentationFile).</summary>
    public static XmlDocumentation For(Assembly assembly)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        var path = Path.ChangeExtension(assembly.Location, ".xml");
        if (!File.Exists(path))
        {
            throw new FileNotFoundException(
                $"XML documentation of {assembly.GetName().Name} not found at {path}; descriptions come from it (GenerateDocumentationFile must be on).", path);
        }

        return Parse(XDocument.Load(path));
    }

    public static XmlDocumentation Parse(XDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        var summaries = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var member in document.Descendants("member"))
        {
            if (member.Attribute("name")?.Value is { } name && member.Element("summary") is { } summary)
            {
                summaries[name] = ToPlainText(summary);
            }
        }

        return new XmlDocumentation(summaries);
    }

    public string? Summary(Type type) => _summaries.GetValueOrDefault("T:" + DocumentationName(type));

    public string? Summary(PropertyInfo property)
    {
        ArgumentNullException.ThrowIfNull(property);
        return _summaries.GetValueOrDefault("P:" + DocumentationName(property.DeclaringType!) + "." + property.Name);
    }

    // Nested types are separated by '.' in documentation ids, not '+'.
    private static string DocumentationName(Type type) => type.FullName!.Replace('+', '.');

    private static string ToPlainText(XElement summary)
    {
        var text = new StringBuilder();
        foreach (var node in summary.DescendantNodes())
        {
            switch (node)
            {
                case XText t when t.Parent is not null:
                    text.Append(t.Value);
                    break;
                case XElement { Name.LocalName: "see" or "seealso" } see:
                    text.Append(ShortName(see.Attribute("cref")?.Value ?? see.Attribute("langword")?.Value ?? see.Attribute("href")?.Value ?? ""));
                    break;
                case XElement { Name.LocalName: "paramref" or "typeparamref" } reference:
                    text.Append(reference.Attribute("name")?.Value);
                    break;
            }
        }

        return Whitespace().Replace(text.ToString(), " ").Trim();
    }

    // "T:AgentOperator.Crds.V1Alpha1.AgentTool" → "AgentTool"; "P:X.Y.Spec" → "Spec".
    private static string ShortName(string cref)
    {
        var withoutPrefix = cref.Length > 2 && cref[1] == ':' ? cref[2..] : cref;
        var dot = withoutPrefix.LastIndexOf('.');
        return dot >= 0 ? withoutPrefix[(dot + 1)..] : withoutPrefix;
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
