using System.Text.Json.Nodes;

namespace AgentOperator.Gateway.Tests.Adversarial;

/// <summary>
/// One entry of corpus.json: a request (or a short sequence ending in one) and what the gateway must answer.
/// <c>{run}</c> in a path is the case's run, <c>{approval}</c> in a header the approval a prior request created.
/// </summary>
public sealed record AdversarialCase(JsonObject Json)
{
    private static readonly Lazy<IReadOnlyList<AdversarialCase>> All = new(() =>
        [.. JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Adversarial", "corpus.json")))!.AsArray().Select(c => new AdversarialCase(c!.AsObject()))]);

    public static IReadOnlyList<AdversarialCase> Corpus => All.Value;

    public static AdversarialCase Named(string id) => Corpus.Single(c => c.Id == id);

    public string Id => Json["id"]!.GetValue<string>();
    public string Category => Json["category"]!.GetValue<string>();
    public string Surface => Json["surface"]!.GetValue<string>();
    public JsonObject Expect => Json["expect"]!.AsObject();
    public int? Status => Expect["status"]?.GetValue<int>();
    public string? Rule => Expect["rule"]?.GetValue<string>();
    public string? JsonPointer => Expect["pointer"]?.GetValue<string>();
    public int? ToolStatus => Expect["toolStatus"]?.GetValue<int>();
    public int Upstream => Expect["upstream"]!.GetValue<int>();
    public bool Audited => Json["audited"]?.GetValue<bool>() ?? true;
    public IEnumerable<string> AbsentUpstreamHeaders => Expect["absentUpstreamHeaders"]?.AsArray().Select(h => h!.GetValue<string>()) ?? [];
    public IEnumerable<JsonObject> Prior => Json["prior"]?.AsArray().Select(p => p!.AsObject()) ?? [];

    /// <summary>The body bytes of a request object (the case itself or a prior step): hex for bytes that are not UTF-8 text.</summary>
    public static byte[] Body(JsonObject request) =>
        request["bodyHex"] is { } hex ? Convert.FromHexString(hex.GetValue<string>()) : System.Text.Encoding.UTF8.GetBytes(request["body"]?.GetValue<string>() ?? "");

    public override string ToString() => Id;
}
