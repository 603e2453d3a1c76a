using AgentOperator.DevCluster.Tests.Infrastructure;

namespace AgentOperator.DevCluster.Tests.CustomResources;

/// <summary>
/// <c>has()</c> in x-kubernetes-validations as kube-apiserver evaluates it on unstructured objects (cel-go over
/// apiextensions-apiserver's UnstructuredToVal: a field is present when its key is, whatever its value), through the
/// real kubectl: an empty object, list or string is present, unlike proto3's default-value presence of the Cel package.
/// </summary>
public sealed class PresenceTests(QuietClusterFixture cluster) : IClassFixture<QuietClusterFixture>
{
    [Fact]
    public async Task An_empty_object_is_present_so_an_exclusive_pair_with_it_is_refused_and_alone_it_is_accepted()
    {
        await cluster.Kubectl.SucceedAsync("apply -f -", """
            apiVersion: apiextensions.k8s.io/v1
            kind: CustomResourceDefinition
            metadata: {name: steps.example.com}
            spec:
              group: example.com
              scope: Namespaced
              names: {plural: steps, singular: step, kind: Step}
              versions:
              - name: v1
                served: true
                storage: true
                schema:
                  openAPIV3Schema:
                    type: object
                    properties:
                      spec:
                        type: object
                        x-kubernetes-validations:
                        - rule: '!(has(self.pause) && has(self.pauseSeconds))'
                          message: pause and pauseSeconds are exclusive
                        - rule: '!has(self.tags) || has(self.name)'
                          message: tags need a name
                        properties:
                          pause: {type: object}
                          pauseSeconds: {type: integer}
                          tags: {type: array, maxItems: 4, items: {type: string, maxLength: 8}}
                          name: {type: string, maxLength: 8}
            """);
        await Eventually.MatchAsync(() => cluster.Kubectl.RunAsync("get steps -A"), r => r.ExitCode == 0, "steps to be served");
        var ns = await cluster.CreateNamespaceAsync();

        var both = await cluster.Kubectl.RunAsync($"apply -n {ns} -f -", Step("both", "{pause: {}, pauseSeconds: 5}"));
        var emptyList = await cluster.Kubectl.RunAsync($"apply -n {ns} -f -", Step("tagged", "{tags: []}"));
        var emptyName = await cluster.Kubectl.SucceedAsync($"apply -n {ns} -f -", Step("named", "{tags: [], name: ''}"));
        var pauseOnly = await cluster.Kubectl.SucceedAsync($"apply -n {ns} -f -", Step("paused", "{pause: {}}"));

        Assert.NotEqual(0, both.ExitCode);
        Assert.Contains("spec: Invalid value: \"object\": pause and pauseSeconds are exclusive", both.Stderr);
        Assert.NotEqual(0, emptyList.ExitCode);
        Assert.Contains("spec: Invalid value: \"object\": tags need a name", emptyList.Stderr);
        Assert.Contains("step.example.com/named created", emptyName);
        Assert.Contains("step.example.com/paused created", pauseOnly);
    }

    private static string Step(string name, string spec) => $"""
        apiVersion: example.com/v1
        kind: Step
        metadata: {"{"}name: {name}{"}"}
        spec: {spec}
        """;
}
