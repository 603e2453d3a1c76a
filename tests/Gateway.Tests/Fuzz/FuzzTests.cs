using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using AgentOperator.Gateway.Tests.Adversarial;
using AgentOperator.Gateway.Tests.Fakes;
using AgentOperator.Policy.Fuzz;

namespace AgentOperator.Gateway.Tests.Fuzz;

/// <summary>
/// The bounded, in-suite half of fuzzing: random mutations of the adversarial corpus' bodies go through the same entry
/// point AFL drives (<see cref="PolicyFuzzTarget"/>) for FUZZ_SECONDS (default 20). This loop is not coverage-guided;
/// tests/Policy.Fuzz/run-afl.sh is. An input that throws is kept under Fuzz/crashes and replayed on every run.
/// </summary>
public sealed class FuzzTests
{
    private static readonly byte[][] Tokens =
    [
        "\"id\":"u8.ToArray(), "\"count\":"u8.ToArray(), "1e400"u8.ToArray(), "-0"u8.ToArray(), "\\ud800"u8.ToArray(), "\\udc00"u8.ToArray(),
        [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xEF, 0xBB, 0xBF], [0x00], [0xFF], "{"u8.ToArray(), "}"u8.ToArray(), "["u8.ToArray(), "]"u8.ToArray(),
        ","u8.ToArray(), "\""u8.ToArray(), "null"u8.ToArray(), "true"u8.ToArray(), "123456789012345678901234567890"u8.ToArray(), "0.1"u8.ToArray(),
        "\"ORD-123456\""u8.ToArray(), "\"amount\":"u8.ToArray(), "\"tags\":[\"x\"]"u8.ToArray(), "\"n\":"u8.ToArray(), "\"text\":\"admin\""u8.ToArray(),
    ];

    [Fact]
    public void Random_mutations_of_the_corpus_never_crash_the_parser_or_the_pipeline()
    {
        var seconds = int.TryParse(Environment.GetEnvironmentVariable("FUZZ_SECONDS"), out var configured) ? configured : 20;
        var seed = int.TryParse(Environment.GetEnvironmentVariable("FUZZ_SEED"), out var fixedSeed) ? fixedSeed : Environment.TickCount;
        var random = new Random(seed);
        var seeds = AdversarialCase.Corpus.Select(c => AdversarialCase.Body(c.Json)).Where(b => b.Length < 4096).Append("{\"text\":\"a\",\"tags\":[\"xa\"],\"n\":2}"u8.ToArray()).ToArray();
        var clock = Stopwatch.StartNew();
        var executions = 0;
        while (clock.Elapsed < TimeSpan.FromSeconds(seconds))
        {
            var input = Mutate(seeds[random.Next(seeds.Length)], seeds, random);
            try
            {
                PolicyFuzzTarget.Run(input);
            }
#pragma warning disable CA1031 // every exception is a finding: keep the input, then fail
            catch (Exception exception)
#pragma warning restore CA1031
            {
                var kept = Keep(input);
                Assert.Fail($"seed {seed}, execution {executions}: {exception.GetType().Name}: {exception.Message}; input kept as {kept}");
            }

            executions++;
        }

        Assert.True(executions > 1000, $"only {executions} executions in {seconds} s");
    }

    [Fact]
    public void Every_kept_crash_input_now_passes()
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "Fuzz", "crashes");
        foreach (var path in Directory.Exists(folder) ? Directory.GetFiles(folder).Where(p => !p.EndsWith(".md", StringComparison.Ordinal)) : [])
        {
            PolicyFuzzTarget.Run(File.ReadAllBytes(path));
        }
    }

    private static byte[] Mutate(byte[] seed, byte[][] seeds, Random random)
    {
        var data = new List<byte>(seed);
        for (var round = random.Next(1, 6); round > 0; round--)
        {
            var at = data.Count == 0 ? 0 : random.Next(data.Count);
            switch (random.Next(7))
            {
                case 0 when data.Count > 0:
                    data[at] ^= (byte)(1 << random.Next(8));
                    break;
                case 1:
                    data.Insert(at, (byte)random.Next(256));
                    break;
                case 2 when data.Count > 0:
                    data.RemoveRange(at, Math.Min(data.Count - at, random.Next(1, 8)));
                    break;
                case 3:
                    data.InsertRange(at, Tokens[random.Next(Tokens.Length)]);
                    break;
                case 4 when data.Count > 0:
                    // Duplicate a slice (repeated members, nested copies).
                    var length = Math.Min(data.Count - at, random.Next(1, 32));
                    data.InsertRange(at, data.GetRange(at, length));
                    break;
                case 5:
                    var other = seeds[random.Next(seeds.Length)];
                    data.InsertRange(at, other.Take(random.Next(other.Length + 1)));
                    break;
                default:
                    data.InsertRange(at, Encoding.UTF8.GetBytes(random.Next(4) switch { 0 => "[", 1 => "{\"a\":", 2 => "\"", _ => "\\u" }));
                    break;
            }
        }

        return [.. data];
    }

    /// <summary>Writes the input into the source tree's crash folder (when the tests run from a checkout) and the output folder.</summary>
    private static string Keep(byte[] input)
    {
        var name = Convert.ToHexStringLower(SHA256.HashData(input))[..16] + ".bin";
        var source = Path.Combine(ExampleWorkflows.RepositoryRoot(), "tests", "Gateway.Tests", "Fuzz", "crashes", name);
        File.WriteAllBytes(source, input);
        return source;
    }
}
