using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using AgentOperator.Manifests.Tests.Infrastructure;
using AgentOperator.Manifests.Tests.Install;

namespace AgentOperator.Manifests.Tests.Chart;

/// <summary>
/// The Helm chart installs what config/default installs. helm cannot be installed here, so the chart is
/// checked from its sources: metadata, values, template references, RBAC rules and CRDs.
/// </summary>
public sealed partial class ChartTests
{
    private const string Chart = ChartTemplates.ChartDirectory;

    private static JsonNode Values => Yaml.Parse(Repository.Read($"{Chart}/values.yaml"));

    private static IReadOnlyList<KubeObject> Install => Kubectl.Kustomize("config/default");

    private static JsonObject ManagerContainer =>
        Assert.Single(Assert.Single(Install, o => o.Kind == "Deployment" && o.Name == "agent-operator").At("spec.template.spec.containers")!.AsArray(), c => (string?)c!["name"] == "manager")!.AsObject();

    [Fact]
    public void Chart_metadata_is_a_v2_application_chart_with_semver_versions()
    {
        var chart = Yaml.Parse(Repository.Read($"{Chart}/Chart.yaml"));
        Assert.Equal("v2", (string?)chart["apiVersion"]);
        Assert.Equal("agent-operator", (string?)chart["name"]);
        Assert.Equal("application", (string?)chart["type"]);
        Assert.Matches(SemVer(), (string?)chart["version"] ?? "");
        Assert.Matches(SemVer(), (string?)chart["appVersion"] ?? "");
    }

    [Fact]
    public void App_version_matches_the_image_tag_of_config_default()
    {
        var chart = Yaml.Parse(Repository.Read($"{Chart}/Chart.yaml"));
        Assert.Equal($"{(string?)Values["image"]?["repository"]}:{(string?)chart["appVersion"]}", (string?)ManagerContainer["image"]);
    }

    [Theory]
    [InlineData("image.repository")]
    [InlineData("image.tag")]
    [InlineData("image.pullPolicy")]
    [InlineData("replicas")]
    [InlineData("leaderElection.enabled")]
    [InlineData("metrics.enabled")]
    [InlineData("metrics.port")]
    [InlineData("metrics.serviceMonitor.enabled")]
    [InlineData("logLevel")]
    [InlineData("resources")]
    [InlineData("podSecurityContext")]
    [InlineData("securityContext")]
    [InlineData("nodeSelector")]
    [InlineData("tolerations")]
    [InlineData("affinity")]
    [InlineData("auditCollector.enabled")]
    [InlineData("auditCollector.url")]
    [InlineData("auditCollector.storage")]
    public void Values_define(string path) =>
        Assert.True(HasKey(Values, path), $"values.yaml lacks {path}");

    [Fact]
    public void Templates_reference_only_values_that_exist()
    {
        var missing = ChartTemplates.ValueReferences().Where(r => !HasKey(Values, r.Path.TrimStart('.'))).Select(r => $"{r.File}: .Values{r.Path}").Distinct().ToList();
        Assert.True(missing.Count == 0, "undefined values: " + string.Join(", ", missing));
    }

    [Fact]
    public void Every_value_is_used_by_some_template()
    {
        var referenced = ChartTemplates.ValueReferences().Select(r => r.Path.TrimStart('.')).ToHashSet(StringComparer.Ordinal);
        var unused = Leaves(Values, "").Where(path => !referenced.Any(r => path == r || path.StartsWith(r + ".", StringComparison.Ordinal))).ToList();
        Assert.True(unused.Count == 0, "values no template reads: " + string.Join(", ", unused));
    }

    [Fact]
    public void Templates_cover_every_object_kind_of_the_install()
    {
        var kinds = ChartTemplates.All.Values.SelectMany(t => KindLine().Matches(t).Select(m => m.Groups["kind"].Value)).ToHashSet(StringComparer.Ordinal);
        var expected = Install.Select(o => o.Kind).Where(k => k is not ("Namespace" or "CustomResourceDefinition")).ToHashSet(StringComparer.Ordinal);
        Assert.Subset(kinds, expected);
        Assert.Contains("ServiceMonitor", kinds);
        Assert.True(ChartTemplates.All.ContainsKey("NOTES.txt"));
        Assert.True(ChartTemplates.All.ContainsKey("_helpers.tpl"));
    }

    [Fact]
    public void Default_values_ship_gateway_audit_to_the_collector_service_config_default_installs()
    {
        var service = Assert.Single(Install, o => o.Kind == "Service" && o.Name == "agentoperator-audit-collector");
        var port = (int)service.At("spec.ports")!.AsArray().Single()!["port"]!;
        var flag = $"--audit-collector=http://{service.Name}.{service.Namespace}.svc:{port}";

        Assert.Contains(flag, Json.Strings(ManagerContainer["args"]));
        Assert.Contains(flag, Json.Strings(ChartTemplates.RenderManagerArgsAndEnv(Values)["args"]));
        var disabled = Values.DeepClone();
        disabled["auditCollector"]!["enabled"] = false;
        Assert.DoesNotContain(Json.Strings(ChartTemplates.RenderManagerArgsAndEnv(disabled)["args"]), a => a.StartsWith("--audit-collector", StringComparison.Ordinal));
        Assert.Contains("kind: PersistentVolumeClaim", ChartTemplates.All["audit-collector.yaml"], StringComparison.Ordinal);
    }

    [Fact]
    public void Chart_roles_have_exactly_the_rules_of_config_rbac()
    {
        var installed = Install.Where(o => o.Kind is "Role" or "ClusterRole").ToList();
        var charted = ChartTemplates.All.Keys.SelectMany(ChartTemplates.Roles).ToList();
        Assert.Equal(installed.Count, charted.Count);
        foreach (var role in installed)
        {
            // Templated names are "{{ include fullname }}-<suffix>"; a release named agent-operator yields config's names.
            var match = Assert.Single(charted, c => c.Kind == role.Kind && ChartName(c.Name) == role.Name);
            Assert.DoesNotContain("{{", match.RulesYaml, StringComparison.Ordinal);
            var chartRules = PolicyRule.Of(Yaml.Parse(match.RulesYaml)["rules"]).Select(r => r.ToString());
            var configRules = PolicyRule.Of(role.At("rules")).Select(r => r.ToString());
            Assert.Equal(configRules, chartRules);
        }
    }

    [Fact]
    public void Chart_admission_policies_are_exactly_those_of_config_admission()
    {
        var installed = Kubectl.Kustomize("config/admission");
        var charted = Yaml.ParseAll(IncludeLine().Replace(ChartTemplates.All["admission-policies.yaml"], "")).Select(KubeObject.From).ToList();
        Assert.Equal(installed.Count, charted.Count);
        foreach (var policy in installed)
        {
            var match = Assert.Single(charted, c => c.Kind == policy.Kind && c.Name == policy.Name);
            Assert.True(Json.Same(policy.At("spec"), match.At("spec")), $"{policy}: the chart's spec differs from config/admission");
        }
    }

    [Fact]
    public void Security_defaults_equal_the_kustomize_deployment()
    {
        var pod = Assert.Single(Install, o => o.Kind == "Deployment" && o.Name == "agent-operator").At("spec.template.spec.securityContext");
        Assert.True(Json.Same(pod, Values["podSecurityContext"]), $"podSecurityContext {Values["podSecurityContext"]} != {pod}");
        Assert.True(Json.Same(ManagerContainer["securityContext"], Values["securityContext"]), $"securityContext {Values["securityContext"]} != {ManagerContainer["securityContext"]}");
        Assert.True(Json.Same(ManagerContainer["resources"], Values["resources"]), $"resources {Values["resources"]} != {ManagerContainer["resources"]}");
        Assert.Equal(2, (int?)Values["replicas"]);
        Assert.True((bool?)Values["leaderElection"]?["enabled"]);
    }

    [Fact]
    public void Deployment_template_keeps_probes_tmp_volume_and_token()
    {
        var deployment = ChartTemplates.All["deployment.yaml"];
        foreach (var fragment in new[] { "path: /healthz", "path: /readyz", "automountServiceAccountToken: true", "mountPath: /tmp", "--leader-elect", "toYaml .Values.securityContext", "toYaml .Values.podSecurityContext", "toYaml .Values.resources" })
        {
            Assert.Contains(fragment, deployment, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Deployment_template_publishes_only_the_ports_the_operator_serves()
    {
        // The operator listens on --metrics-port and --health-port only; the chart's Services target those.
        var deployment = ChartTemplates.All["deployment.yaml"];
        Assert.Equal(["health", "metrics"], PortName().Matches(deployment).Select(m => m.Groups["name"].Value).Order(StringComparer.Ordinal));
        Assert.DoesNotContain("approvals", deployment, StringComparison.Ordinal);
        Assert.DoesNotContain("approvals", ChartTemplates.All["service.yaml"], StringComparison.Ordinal);
        Assert.Null(Values["approvals"]);
    }

    [Fact]
    public void Default_log_level_is_info_as_in_config_default()
    {
        Assert.Equal("info", (string?)Values["logLevel"]);
        Assert.Contains($"--log-level={(string?)Values["logLevel"]}", Json.Strings(ManagerContainer["args"]));
    }

    [Fact]
    public void Chart_crds_are_byte_identical_to_config_crd_bases()
    {
        var bases = Repository.PathOf("config/crd/bases");
        Assert.True(Directory.Exists(bases), "config/crd/bases is missing: generate the CRDs (src/Crds generator) first");
        var expected = Directory.EnumerateFiles(bases, "*.yaml").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        var actual = Directory.EnumerateFiles(Repository.PathOf($"{Chart}/crds"), "*.yaml").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        Assert.NotEmpty(expected);
        Assert.Equal(expected, actual);
        foreach (var file in expected)
        {
            Assert.True(
                File.ReadAllBytes(Path.Combine(bases, file!)).AsSpan().SequenceEqual(File.ReadAllBytes(Repository.PathOf($"{Chart}/crds/{file}"))),
                $"{Chart}/crds/{file} differs from config/crd/bases/{file}: copy the generated CRDs again");
        }
    }

    private static string ChartName(string templated)
    {
        const string include = "{{ include \"agent-operator.fullname\" . }}";
        return templated.StartsWith(include, StringComparison.Ordinal) ? "agent-operator" + templated[include.Length..] : templated;
    }

    private static bool HasKey(JsonNode? node, string path)
    {
        foreach (var segment in path.Split('.'))
        {
            if (node is not JsonObject obj || !obj.ContainsKey(segment))
            {
                return false;
            }

            node = obj[segment];
        }

        return true;
    }

    private static IEnumerable<string> Leaves(JsonNode? node, string prefix) =>
        node is JsonObject obj && obj.Count > 0
            ? obj.SelectMany(p => Leaves(p.Value, prefix.Length == 0 ? p.Key : $"{prefix}.{p.Key}"))
            : [prefix];

    [GeneratedRegex(@"^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$")]
    private static partial Regex SemVer();

    [GeneratedRegex(@"^\s*\{\{-? include .*\}\}\s*$", RegexOptions.Multiline)]
    private static partial Regex IncludeLine();

    [GeneratedRegex(@"^kind: (?<kind>\w+)\s*$", RegexOptions.Multiline)]
    private static partial Regex KindLine();

    [GeneratedRegex(@"^\s+- name: (?<name>\S+)\s*\n\s+containerPort:", RegexOptions.Multiline)]
    private static partial Regex PortName();
}
