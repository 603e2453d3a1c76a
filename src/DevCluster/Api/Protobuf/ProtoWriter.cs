namespace AgentOperator.DevCluster.Api.Protobuf;

/// <summary>A protobuf wire-format writer for the varint and length-delimited fields Kubernetes messages use.</summary>
internal sealed class ProtoWriter
{
    private readonly List<byte> _buffer = [];

    public void Varint(int number, ulong value)
    {
        Tag(number, 0);
        Raw(value);
    }

    public void Bytes(int number, ReadOnlySpan<byte> value)
    {
        Tag(number, 2);
        Raw((ulong)value.Length);
        _buffer.AddRange(value);
    }

    public void String(int number, string value) => Bytes(number, System.Text.Encoding.UTF8.GetBytes(value));

    public byte[] ToArray() => _buffer.ToArray();

    private void Tag(int number, int wire) => Raw(((ulong)number << 3) | (uint)wire);

    private void Raw(ulong value)
    {
        while (value >= 0x80)
        {
            _buffer.Add((byte)(value | 0x80));
            value >>= 7;
        }

        _buffer.Add((byte)value);
    }
}
