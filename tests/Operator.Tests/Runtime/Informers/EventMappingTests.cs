using AgentOperator.Crds.V1Alpha1;
using AgentOperator.Operator.Runtime;
using AgentOperator.Operator.Runtime.Informers;
using k8s.Models;

namespace AgentOperator.Operator.Tests.Runtime.Informers;

public sealed class EventMappingTests
{
    private static readonly ResourceKind Workflows = ResourceKind.Of<AgentWorkflow>();

    [Fact]
    public void Predicate_StatusOnlyUpdate_IsFiltered()
    {
        var before = Workflow(generation: 3);
        var after = Workflow(generation: 3);
        after.Status = new AgentWorkflowStatus { ObservedGeneration = 3 };

        Assert.False(SpecOrMetadataChangedPredicate<AgentWorkflow>.Instance.ShouldEnqueue(new(InformerEventType.Modified, after, before)));
    }

    [Theory]
    [InlineData("generation")]
    [InlineData("label")]
    [InlineData("annotation")]
    [InlineData("finalizer")]
    [InlineData("deletion")]
    public void Predicate_SpecOrMetadataUpdate_IsEnqueued(string change)
    {
        var before = Workflow(generation: 3);
        var after = Workflow(generation: 3);
        switch (change)
        {
            case "generation": after.Metadata.Generation = 4; break;
            case "label": after.Metadata.Labels = new Dictionary<string, string> { ["team"] = "support" }; break;
            case "annotation": after.Metadata.Annotations = new Dictionary<string, string> { ["agentoperator.io/revoke-credentials"] = "r1" }; break;
            case "finalizer": after.Metadata.Finalizers = ["agentoperator.io/cleanup"]; break;
            case "deletion": after.Metadata.DeletionTimestamp = DateTime.UtcNow; break;
        }

        Assert.True(SpecOrMetadataChangedPredicate<AgentWorkflow>.Instance.ShouldEnqueue(new(InformerEventType.Modified, after, before)));
    }

    [Fact]
    public void Predicate_AddsDeletesAndResyncs_AlwaysPass()
    {
        var workflow = Workflow(generation: 1);
        Assert.All(
            new[] { InformerEventType.Added, InformerEventType.Deleted, InformerEventType.Resync },
            type => Assert.True(SpecOrMetadataChangedPredicate<AgentWorkflow>.Instance.ShouldEnqueue(new(type, workflow))));
    }

    [Fact]
    public void OwnerKeys_ControllerReferenceOfTheKind_MapsToTheOwnerInTheChildsNamespace()
    {
        var child = Child(Owner("AgentWorkflow", "agentoperator.io/v1alpha1", "refunds", controller: true), Owner("AgentTool", "agentoperator.io/v1alpha1", "lookup", controller: false));

        Assert.Equal([new ObjectKey("shop", "refunds")], ControllerOwnerKeys.Of(Workflows, new InformerEvent<V1ConfigMap>(InformerEventType.Added, child)));
    }

    [Theory]
    [InlineData("AgentWorkflow", "agentoperator.io/v1alpha1", false)] // not the controller
    [InlineData("AgentTool", "agentoperator.io/v1alpha1", true)] // another kind
    [InlineData("AgentWorkflow", "other.io/v1", true)] // same kind name, another group
    public void OwnerKeys_OtherReferences_MapToNothing(string kind, string apiVersion, bool controller)
    {
        var child = Child(Owner(kind, apiVersion, "x", controller));

        Assert.Empty(ControllerOwnerKeys.Of(Workflows, new InformerEvent<V1ConfigMap>(InformerEventType.Modified, child)));
    }

    [Fact]
    public void OwnerKeys_ChildMovedToAnotherOwner_EnqueuesBoth()
    {
        var before = Child(Owner("AgentWorkflow", "agentoperator.io/v1alpha1", "old", controller: true));
        var after = Child(Owner("AgentWorkflow", "agentoperator.io/v1alpha1", "new", controller: true));

        Assert.Equal([new ObjectKey("shop", "new"), new ObjectKey("shop", "old")], ControllerOwnerKeys.Of(Workflows, new InformerEvent<V1ConfigMap>(InformerEventType.Modified, after, before)));
    }

    [Fact]
    public void Cache_QueriesByLabelsAndOwner_AndReplaceReportsTheDifference()
    {
        var cache = new ObjectCache<V1ConfigMap>();
        cache.Upsert(Map("a", "1", owner: "uid-1", labels: new() { ["app"] = "agent", ["rev"] = "r1" }));
        cache.Upsert(Map("b", "1", owner: "uid-1", labels: new() { ["app"] = "agent", ["rev"] = "r2" }));
        cache.Upsert(Map("c", "1", owner: "uid-2", labels: new() { ["app"] = "other" }));

        Assert.Equal(["a", "b"], cache.ListByOwner("uid-1").Select(m => m.Metadata.Name).Order());
        Assert.Equal(["b"], cache.ListByLabels(new Dictionary<string, string> { ["app"] = "agent", ["rev"] = "r2" }).Select(m => m.Metadata.Name));
        Assert.Empty(cache.ListByLabels(new Dictionary<string, string> { ["app"] = "agent" }, "elsewhere"));

        var changes = cache.Replace([Map("a", "1", owner: "uid-1"), Map("b", "2", owner: "uid-3"), Map("d", "1", owner: null)]);

        Assert.Equal(["Added d", "Deleted c", "Modified b"], changes.Select(c => $"{c.Type} {c.Object.Metadata.Name}").Order());
        Assert.Equal(["a"], cache.ListByOwner("uid-1").Select(m => m.Metadata.Name));
        Assert.Empty(cache.ListByOwner("uid-2"));
        Assert.Equal(["b"], cache.ListByOwner("uid-3").Select(m => m.Metadata.Name));
    }

    private static AgentWorkflow Workflow(long generation) => new()
    {
        Metadata = new V1ObjectMeta { Name = "refunds", NamespaceProperty = "shop", Generation = generation, ResourceVersion = "1" },
        Spec = null!,
    };

    private static V1OwnerReference Owner(string kind, string apiVersion, string name, bool controller) =>
        new() { Kind = kind, ApiVersion = apiVersion, Name = name, Uid = $"uid-{name}", Controller = controller };

    private static V1ConfigMap Child(params V1OwnerReference[] owners) =>
        new() { Metadata = new V1ObjectMeta { Name = "child", NamespaceProperty = "shop", OwnerReferences = owners } };

    private static V1ConfigMap Map(string name, string resourceVersion, string? owner, Dictionary<string, string>? labels = null) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = name,
            NamespaceProperty = "shop",
            ResourceVersion = resourceVersion,
            Labels = labels,
            OwnerReferences = owner is null ? null : [new V1OwnerReference { Kind = "AgentWorkflow", ApiVersion = "agentoperator.io/v1alpha1", Name = owner, Uid = owner }],
        },
    };
}
