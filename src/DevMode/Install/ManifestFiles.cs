using System.Text.Json.Nodes;
using AgentOperator.Crds.Generation;

namespace AgentOperator.DevMode.Install;

/// <summary>Reads manifests: every YAML file of a folder, or the resources a kustomization.yaml lists (in its order).</summary>
internal static class ManifestFiles
{
    /// <summary>Every object of every *.yaml file in <paramref name="directory"/>, by file name.</summary>
    public static async Task<IReadOnlyList<Manifest>> ReadDirectoryAsync(string directory, CancellationToken cancellationToken)
    {
        var manifests = new List<Manifest>();
        foreach (var file in Directory.GetFiles(directory, "*.yaml").Order(StringComparer.Ordinal))
        {
            manifests.AddRange(await ReadFileAsync(file, cancellationToken));
        }

        return manifests;
    }

    /// <summary>The objects of the files <c>resources:</c> lists in <paramref name="directory"/>/kustomization.yaml (nested kustomizations included).</summary>
    public static async Task<IReadOnlyList<Manifest>> ReadKustomizationAsync(string directory, CancellationToken cancellationToken)
    {
        var path = Path.Combine(directory, "kustomization.yaml");
        var kustomization = YamlReader.Read(await File.ReadAllTextAsync(path, cancellationToken));
        var manifests = new List<Manifest>();
        foreach (var resource in (kustomization["resources"] as JsonArray ?? []).Select(r => r?.GetValue<string>()).OfType<string>())
        {
            var full = Path.GetFullPath(Path.Combine(directory, resource));
            manifests.AddRange(Directory.Exists(full) ? await ReadKustomizationAsync(full, cancellationToken) : await ReadFileAsync(full, cancellationToken));
        }

        return manifests;
    }

    private static async Task<IEnumerable<Manifest>> ReadFileAsync(string file, CancellationToken cancellationToken) =>
        YamlReader.ReadDocuments(await File.ReadAllTextAsync(file, cancellationToken)).OfType<JsonObject>().Select(o => new Manifest(o, file));
}
