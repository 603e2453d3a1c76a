namespace AgentOperator.DevCluster.Api.Protobuf;

/// <summary>A protobuf wire-format reader; any truncated or malformed input throws <see cref="FormatException"/>.</summary>
internal ref struct ProtoReader(ReadOnlySpan<byte> data)
{
    private readonly ReadOnlySpan<byte> _data = data;
    private int _pos;

    public bool Next(out int number, out int wire)
    {
        if (_pos >= _data.Length)
        {
            number = wire = 0;
            return false;
        }

        var tag = Varint();
        number = (int)(tag >> 3);
        wire = (int)(tag & 7);
        if (number <= 0)
        {
            throw new FormatException($"invalid field number {number}");
        }

        return true;
    }

    public ulong Varint()
    {
        ulong result = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (_pos >= _data.Length)
            {
                throw new FormatException("truncated varint");
            }

            var b = _data[_pos++];
            result |= (ulong)(b & 0x7f) << shift;
            if (b < 0x80)
            {
                return result;
            }
        }

        throw new FormatException("varint longer than 10 bytes");
    }

    public ReadOnlySpan<byte> Bytes()
    {
        var length = Varint();
        if (length > (ulong)(_data.Length - _pos))
        {
            throw new FormatException("length-delimited field runs past the end of its message");
        }

        var slice = _data.Slice(_pos, (int)length);
        _pos += (int)length;
        return slice;
    }

    public string String() => System.Text.Encoding.UTF8.GetString(Bytes());

    public void Skip(int wire)
    {
        switch (wire)
        {
            case 0: Varint(); break;
            case 1: Advance(8); break;
            case 2: Bytes(); break;
            case 5: Advance(4); break;
            default: throw new FormatException($"unsupported wire type {wire}");
        }
    }

    private void Advance(int count)
    {
        if (count > _data.Length - _pos)
        {
            throw new FormatException("fixed-width field runs past the end of its message");
        }

        _pos += count;
    }
}
