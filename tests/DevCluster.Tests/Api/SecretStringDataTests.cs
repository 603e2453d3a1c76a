using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using AgentOperator.DevCluster.Tests.Infrastructure;
using k8s;
using k8s.Models;

namespace AgentOperator.DevCluster.Tests.Api;

/// <summary>
/// Secret's write-only <c>stringData</c> (core/v1 API reference: "provided as a write-only input field for
/// convenience. All keys and values are merged into the data field on write, overwriting any existing values.
/// The stringData field is never output when reading from the API").
/// </summary>
public sealed class SecretStringDataTests(QuietClusterFixture cluster) : IClassFixture<QuietClusterFixture>
{
    [Fact]
    public async Task Create_merges_stringData_into_data_as_base64_overwriting_and_never_returns_stringData()
    {
        var ns = await cluster.CreateNamespaceAsync();
        var response = await cluster.Http.PostAsync($"api/v1/namespaces/{ns}/secrets", Json("""
            {"apiVersion":"v1","kind":"Secret","metadata":{"name":"creds"},
             "data":{"user":"b2xk","keep":"a2VwdA=="},
             "stringData":{"user":"alice","password":"s3cr3t ü"}}
            """));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var created = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Null(created["stringData"]);
        Assert.Equal(Base64("alice"), (string?)created["data"]!["user"]);
        Assert.Equal(Base64("s3cr3t ü"), (string?)created["data"]!["password"]);
        Assert.Equal("a2VwdA==", (string?)created["data"]!["keep"]);

        var read = await cluster.Client.CoreV1.ReadNamespacedSecretAsync("creds", ns);
        Assert.Null(read.StringData);
        Assert.Equal("alice", Encoding.UTF8.GetString(read.Data["user"]));
        Assert.Equal(["keep", "password", "user"], read.Data.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Update_and_merge_patch_merge_stringData_into_the_existing_data()
    {
        var ns = await cluster.CreateNamespaceAsync();
        await cluster.Client.CoreV1.CreateNamespacedSecretAsync(new V1Secret
        {
            Metadata = new V1ObjectMeta { Name = "creds" },
            StringData = new Dictionary<string, string> { ["user"] = "alice", ["password"] = "one" },
        }, ns);

        var live = await cluster.Client.CoreV1.ReadNamespacedSecretAsync("creds", ns);
        live.StringData = new Dictionary<string, string> { ["password"] = "two" };
        var replaced = await cluster.Client.CoreV1.ReplaceNamespacedSecretAsync(live, "creds", ns);
        Assert.Null(replaced.StringData);
        Assert.Equal(("alice", "two"), (Encoding.UTF8.GetString(replaced.Data["user"]), Encoding.UTF8.GetString(replaced.Data["password"])));

        var patched = await cluster.Client.CoreV1.PatchNamespacedSecretAsync(
            new V1Patch("""{"stringData":{"password":"three","token":"t"}}""", V1Patch.PatchType.MergePatch), "creds", ns);
        Assert.Null(patched.StringData);
        Assert.Equal("three", Encoding.UTF8.GetString(patched.Data["password"]));
        Assert.Equal("t", Encoding.UTF8.GetString(patched.Data["token"]));
        Assert.Equal("alice", Encoding.UTF8.GetString(patched.Data["user"]));
    }

    [Fact]
    public async Task A_stringData_value_that_is_not_a_string_is_a_400_decode_error()
    {
        var ns = await cluster.CreateNamespaceAsync();
        var response = await cluster.Http.PostAsync($"api/v1/namespaces/{ns}/secrets", Json("""
            {"apiVersion":"v1","kind":"Secret","metadata":{"name":"creds"},"stringData":{"port":8080}}
            """));

        var status = await StatusBody.ReadAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal("Secret in version \"v1\" cannot be handled as a Secret: json: cannot unmarshal number into Go struct field Secret.stringData of type string", (string?)status["message"]);
    }

    [Fact]
    public async Task A_stringData_key_that_is_not_a_config_key_is_422_on_the_data_key()
    {
        var ns = await cluster.CreateNamespaceAsync();
        var response = await cluster.Http.PostAsync($"api/v1/namespaces/{ns}/secrets", Json("""
            {"apiVersion":"v1","kind":"Secret","metadata":{"name":"creds"},"stringData":{"bad key":"x"}}
            """));

        var status = await StatusBody.ReadAsync(response, HttpStatusCode.UnprocessableEntity);
        Assert.Equal("data[bad key]", (string?)status["details"]!["causes"]![0]!["field"]);
        Assert.StartsWith("Secret \"creds\" is invalid: data[bad key]: Invalid value: \"bad key\": a valid config key must consist of alphanumeric characters", (string?)status["message"]);
    }

    private static string Base64(string s) => Convert.ToBase64String(Encoding.UTF8.GetBytes(s));

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");
}
