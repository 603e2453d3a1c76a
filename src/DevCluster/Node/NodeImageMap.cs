namespace AgentOperator.DevCluster.Node;

/// <summary>
/// The node's "image store": which local command each image runs. An image it does not hold runs no process; its
/// container is reported Running, as KWOK does, with an Event saying so.
/// </summary>
public sealed class NodeImageMap(IReadOnlyList<NodeImage> images)
{
    public IReadOnlyList<NodeImage> Images { get; } = images;

    /// <summary>The most specific image matching <paramref name="image"/>, or null.</summary>
    public NodeImage? Resolve(string image) =>
        Images.Select(i => (Image: i, Rank: i.Match(image))).Where(m => m.Rank >= 0).OrderByDescending(m => m.Rank).Select(m => m.Image).FirstOrDefault();

    /// <summary>This map with <paramref name="more"/> added (they win over equally specific entries already here).</summary>
    public NodeImageMap With(params NodeImage[] more) => new([.. more, .. Images]);
}
