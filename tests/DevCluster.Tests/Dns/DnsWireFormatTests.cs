using System.Net;
using System.Text.Json.Nodes;
using AgentOperator.DevCluster.Dns;
using AgentOperator.DevCluster.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentOperator.DevCluster.Tests.Dns;

/// <summary>
/// The cluster DNS's messages, without sockets: what <see cref="ClusterDns"/> answers to a query's bytes, read back by
/// the tests' own <see cref="DnsProbe"/> parser. Headers, the echoed question, TTLs, EDNS, truncation, and malformed
/// input answered with FORMERR or dropped, never an exception.
/// </summary>
public sealed class DnsWireFormatTests
{
    private static readonly GroupResource Services = new("", "services");
    private static readonly GroupResource Slices = new("discovery.k8s.io", "endpointslices");
    private readonly ObjectStore _store = new(64);
    private readonly ClusterDns _dns;

    public DnsWireFormatTests()
    {
        _dns = new ClusterDns(_store, IPAddress.Loopback, NullLogger.Instance);
        _dns.SetExternalHost("api.openai.com", IPAddress.Parse("192.0.2.10"));
    }

    [Fact]
    public void An_answer_echoes_the_id_RD_and_question_and_sets_QR_AA_RA_with_a_5_s_TTL_and_a_pointer_to_the_question()
    {
        var query = DnsProbe.Query(0xBEEF, "Api.OpenAI.com", DnsProbe.A);
        var raw = _dns.Respond(query, overTcp: false)!;
        var reply = DnsProbe.Parse(raw);

        Assert.Equal(0xBEEF, reply.Id);
        Assert.True(reply.IsResponse && reply.Authoritative && reply.RecursionDesired && reply.RecursionAvailable && !reply.Truncated, reply.ToString());
        Assert.Equal(0, reply.ResponseCode);
        Assert.Equal(("Api.OpenAI.com", DnsProbe.A, (ushort)1), reply.Question);

        // The question is echoed byte for byte, and the answer's name is a compression pointer to it (0xC00C).
        Assert.Equal(query[12..], raw[12..query.Length]);
        Assert.Equal([0xC0, 0x0C], raw[query.Length..(query.Length + 2)]);
        var answer = Assert.Single(reply.Answers);
        Assert.Equal(new DnsReplyRecord("Api.OpenAI.com", DnsProbe.A, 1, 5, "192.0.2.10"), answer);

        // RD clear in the query stays clear.
        query[2] = 0;
        Assert.False(DnsProbe.Parse(_dns.Respond(query, overTcp: false)!).RecursionDesired);
    }

    [Fact]
    public void A_known_name_asked_for_AAAA_is_NOERROR_without_answers_and_unknown_names_are_NXDOMAIN_authoritative_only_in_the_cluster_zone()
    {
        var aaaa = Ask("api.openai.com", DnsProbe.Aaaa);
        Assert.Equal((0, true), (aaaa.ResponseCode, aaaa.Authoritative));
        Assert.Empty(aaaa.Answers);

        var outside = Ask("nonexistent.example", DnsProbe.A);
        Assert.Equal((3, false), (outside.ResponseCode, outside.Authoritative));
        Assert.Empty(outside.Answers);

        var inside = Ask("web.nowhere.svc.cluster.local", DnsProbe.A);
        Assert.Equal((3, true), (inside.ResponseCode, inside.Authoritative));

        // Forms the zone does not have (a search-path expansion of a full name, a pod name, the zone itself) do not exist.
        Assert.Equal(3, Ask("kubernetes.default.svc.cluster.local.default.svc.cluster.local", DnsProbe.A).ResponseCode);
        Assert.Equal(3, Ask("kubernetes.default.cluster.local", DnsProbe.A).ResponseCode);
        Assert.Equal(3, Ask("cluster.local", DnsProbe.A).ResponseCode);
    }

    [Fact]
    public void Registered_names_are_case_insensitive_replaced_by_a_new_address_and_removable()
    {
        _dns.SetExternalHost("Example.TEST.", IPAddress.Parse("192.0.2.1"));
        Assert.Equal(["192.0.2.1"], Ask("example.test", DnsProbe.A).Addresses);
        _dns.SetExternalHost("example.test", IPAddress.Parse("192.0.2.2"));
        Assert.Equal(["192.0.2.2"], Ask("EXAMPLE.test.", DnsProbe.A).Addresses);

        // An IPv6 address answers AAAA, and A is then NOERROR without answers.
        _dns.SetExternalHost("v6.test", IPAddress.Parse("2001:db8::1"));
        Assert.Equal(["2001:db8::1"], Ask("v6.test", DnsProbe.Aaaa).Addresses);
        Assert.Equal((0, 0), (Ask("v6.test", DnsProbe.A).ResponseCode, Ask("v6.test", DnsProbe.A).Answers.Count));

        Assert.True(_dns.RemoveExternalHost("EXAMPLE.test"));
        Assert.False(_dns.RemoveExternalHost("example.test"));
        Assert.Equal(3, Ask("example.test", DnsProbe.A).ResponseCode);
        Assert.Throws<ArgumentException>(() => _dns.SetExternalHost(new string('a', 64) + ".test", IPAddress.Loopback));
        Assert.Throws<ArgumentException>(() => _dns.SetExternalHost("", IPAddress.Loopback));
    }

    [Fact]
    public void Services_resolve_to_their_cluster_IP_headless_ones_to_ready_endpoints_and_ExternalName_to_a_followed_CNAME()
    {
        AddService("web", """{"type": "ClusterIP", "clusterIP": "10.96.0.20", "clusterIPs": ["10.96.0.20"]}""");
        AddService("db", """{"type": "ClusterIP", "clusterIP": "None"}""");
        AddSlice("db-1", "db", """[{"addresses": ["10.244.0.5"], "conditions": {"ready": true}}, {"addresses": ["10.244.0.6"], "conditions": {"ready": false}}, {"addresses": ["10.244.0.7"]}]""");
        AddSlice("other", "web", """[{"addresses": ["10.244.0.9"], "conditions": {"ready": true}}]""");
        AddService("openai", """{"type": "ExternalName", "externalName": "api.openai.com"}""");
        AddService("elsewhere", """{"type": "ExternalName", "externalName": "unknown.example"}""");

        Assert.Equal(["10.96.0.20"], Ask("web.ns.svc.cluster.local", DnsProbe.A).Addresses);
        Assert.Equal(["10.244.0.5", "10.244.0.7"], Ask("db.ns.svc.cluster.local", DnsProbe.A).Addresses.Order());

        var openai = Ask("openai.ns.svc.cluster.local", DnsProbe.A);
        Assert.Equal([new DnsReplyRecord("openai.ns.svc.cluster.local", DnsProbe.Cname, 1, 5, "api.openai.com"), new DnsReplyRecord("api.openai.com", DnsProbe.A, 1, 5, "192.0.2.10")], openai.Answers);
        var elsewhere = Ask("elsewhere.ns.svc.cluster.local", DnsProbe.A);
        Assert.Equal((0, "unknown.example"), (elsewhere.ResponseCode, Assert.Single(elsewhere.Answers).Data));

        // A Service being deleted is gone from DNS.
        var stored = _store.Get(Services, "ns", "web")!;
        var deleting = JsonNodeExtensions.ParseObject(stored.Json);
        deleting["metadata"]!["deletionTimestamp"] = "2025-01-01T00:00:00Z";
        deleting["metadata"]!["finalizers"] = new JsonArray("test/keep");
        _store.Update(Services, deleting, stored.ResourceVersion);
        Assert.Equal(3, Ask("web.ns.svc.cluster.local", DnsProbe.A).ResponseCode);
    }

    [Fact]
    public void An_EDNS_query_gets_an_OPT_record_an_unknown_EDNS_version_gets_BADVERS_and_answers_too_large_for_UDP_are_truncated()
    {
        var edns = DnsProbe.Parse(_dns.Respond(DnsProbe.Query(1, "api.openai.com", DnsProbe.A, ednsPayload: 4096), overTcp: false)!);
        Assert.Equal((0, 1, 1), (edns.ResponseCode, edns.Answers.Count, edns.AdditionalCount));
        Assert.Equal<byte>([0, 0, 41, 0x04, 0xD0, 0, 0, 0, 0, 0, 0], edns.Raw[^11..]); // root, OPT, 1232 bytes, version 0

        // BADVERS is extended RCODE 16: 0 in the header, 1 in the OPT record's TTL.
        var badVersion = DnsProbe.Parse(_dns.Respond(DnsProbe.Query(2, "api.openai.com", DnsProbe.A, ednsPayload: 4096, ednsVersion: 1), overTcp: false)!);
        Assert.Equal((0, 0), (badVersion.ResponseCode, badVersion.Answers.Count));
        Assert.Equal(1, badVersion.Raw[^6]);

        // 100 endpoints do not fit 512 bytes: TC with no answers; with EDNS 1232 bytes and over TCP they do... as far as they fit.
        AddService("many", """{"type": "ClusterIP", "clusterIP": "None"}""");
        AddSlice("many-1", "many", "[" + string.Join(',', Enumerable.Range(1, 100).Select(i => $$"""{"addresses": ["10.244.1.{{i}}"]}""")) + "]");
        var udp = DnsProbe.Parse(_dns.Respond(DnsProbe.Query(3, "many.ns.svc.cluster.local", DnsProbe.A), overTcp: false)!);
        Assert.True(udp.Truncated, udp.ToString());
        Assert.Empty(udp.Answers);
        Assert.True(DnsProbe.Parse(_dns.Respond(DnsProbe.Query(4, "many.ns.svc.cluster.local", DnsProbe.A, ednsPayload: 4096), overTcp: false)!).Truncated);
        var tcp = DnsProbe.Parse(_dns.Respond(DnsProbe.Query(5, "many.ns.svc.cluster.local", DnsProbe.A), overTcp: true)!);
        Assert.False(tcp.Truncated);
        Assert.Equal(100, tcp.Answers.Count);
    }

    [Fact]
    public void Malformed_messages_get_FORMERR_or_are_dropped_and_never_throw()
    {
        var good = DnsProbe.Query(0x1234, "api.openai.com", DnsProbe.A);

        // Too short for a header, or a response (QR set): dropped.
        Assert.Null(_dns.Respond(good.AsSpan(0, 11), overTcp: false));
        Assert.Null(_dns.Respond([], overTcp: true));
        var response = (byte[])good.Clone();
        response[2] |= 0x80;
        Assert.Null(_dns.Respond(response, overTcp: false));

        // FORMERR, with the id and RD copied: a question cut short, a label past the end, two questions, none,
        // a compression pointer that loops, a reserved label type, two OPT records.
        var loop = good[..12].Concat(new byte[] { 0xC0, 12, 0, 1, 0, 1 }).ToArray();
        var reserved = good[..12].Concat(new byte[] { 0x40, 0, 0, 1, 0, 1 }).ToArray();
        var twoQuestions = (byte[])good.Clone();
        twoQuestions[5] = 2;
        var noQuestion = (byte[])good.Clone();
        noQuestion[5] = 0;
        var twoOpts = DnsProbe.Query(0x1234, "api.openai.com", DnsProbe.A, ednsPayload: 1232);
        twoOpts = [.. twoOpts, .. twoOpts[^11..]];
        twoOpts[11] = 2;
        foreach (var (what, message) in new[] { ("cut short", good[..^2]), ("label past the end", good[..15]), ("two questions", twoQuestions), ("no question", noQuestion), ("pointer loop", loop), ("reserved label type", reserved), ("two OPT records", twoOpts) })
        {
            var reply = _dns.Respond(message, overTcp: false);
            Assert.True(reply is { Length: 12 }, $"{what}: a header-only FORMERR, not {(reply is null ? "nothing" : Convert.ToHexString(reply))}");
            Assert.Equal<byte>([0x12, 0x34, 0x81, 0x81], reply![..4]); // id; QR, RD; RA, FORMERR
        }

        // Another opcode (2, STATUS): NOTIMP.
        var status = (byte[])good.Clone();
        status[2] = 0x10;
        Assert.Equal(4, _dns.Respond(status, overTcp: false)![3] & 0xF);

        // Random bytes and every truncation and single-bit flip of a good query: an answer or nothing, never an exception.
        var random = new Random(53);
        var inputs = Enumerable.Range(0, 20_000).Select(_ => { var b = new byte[random.Next(0, 80)]; random.NextBytes(b); return b; })
            .Concat(Enumerable.Range(0, good.Length).Select(n => good[..n]))
            .Concat(Enumerable.Range(0, good.Length * 8).Select(bit => { var b = (byte[])good.Clone(); b[bit / 8] ^= (byte)(1 << (bit % 8)); return b; }));
        foreach (var input in inputs)
        {
            var reply = _dns.Respond(input, overTcp: false);
            Assert.True(reply is null || (reply.Length >= 12 && reply[0] == input[0] && reply[1] == input[1]), Convert.ToHexString(input));
        }
    }

    private DnsReply Ask(string name, ushort type) => DnsProbe.Parse(_dns.Respond(DnsProbe.Query(7, name, type), overTcp: false)!);

    private void AddService(string name, string spec) =>
        _store.Create(Services, new JsonObject
        {
            ["metadata"] = new JsonObject { ["namespace"] = "ns", ["name"] = name, ["uid"] = Guid.NewGuid().ToString() },
            ["spec"] = JsonNode.Parse(spec),
        });

    private void AddSlice(string name, string service, string endpoints) =>
        _store.Create(Slices, new JsonObject
        {
            ["metadata"] = new JsonObject
            {
                ["namespace"] = "ns", ["name"] = name, ["uid"] = Guid.NewGuid().ToString(),
                ["labels"] = new JsonObject { ["kubernetes.io/service-name"] = service },
            },
            ["addressType"] = "IPv4",
            ["endpoints"] = JsonNode.Parse(endpoints),
        });
}
