namespace AgentOperator.KubectlAgents.Output;

/// <summary>Columns as kubectl prints them: upper-case headers, left-aligned, three spaces apart, no borders.</summary>
public sealed class Table(params string[] headers)
{
    private readonly List<string[]> _rows = [];

    public void Add(params string[] cells)
    {
        ArgumentNullException.ThrowIfNull(cells);
        if (cells.Length != headers.Length)
        {
            throw new ArgumentException($"a row has {cells.Length} cells for {headers.Length} columns", nameof(cells));
        }

        _rows.Add(cells);
    }

    public int Count => _rows.Count;

    public void WriteTo(TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var widths = headers.Select((h, i) => _rows.Select(r => r[i].Length).Append(h.Length).Max()).ToArray();
        Write(output, headers, widths);
        foreach (var row in _rows)
        {
            Write(output, row, widths);
        }
    }

    private static void Write(TextWriter output, string[] cells, int[] widths) =>
        output.WriteLine(string.Join("   ", cells.Select((c, i) => i == cells.Length - 1 ? c : c.PadRight(widths[i]))).TrimEnd());
}
