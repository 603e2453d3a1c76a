using System.Text.Json;
using System.Text.Json.Nodes;
using AgentOperator.Crds.V1Alpha1;
using AgentOperator.Policy.Redaction;

namespace AgentOperator.Policy.Tests.Redaction;

public class RedactorTests
{
    private static readonly Redactor All = new(Enum.GetValues<RedactionKind>());

    [Theory]
    [InlineData("write to jane.doe+billing@example.co.uk today", "write to [REDACTED:email] today")]
    [InlineData("card 4111 1111 1111 1111 on file", "card [REDACTED:card_number] on file")]
    [InlineData("card 4111-1111-1111-1111", "card [REDACTED:card_number]")]
    [InlineData("amex 378282246310005.", "amex [REDACTED:card_number].")]
    [InlineData("order 4111111111111112 is not a card", "order 4111111111111112 is not a card")] // fails Luhn
    [InlineData("the card ending in 4242 was charged", "the card ending in [REDACTED:card_last4] was charged")]
    [InlineData("last 4 digits: 4242", "last 4 digits: [REDACTED:card_last4]")]
    [InlineData("Visa **** **** **** 4242", "Visa **** **** **** [REDACTED:card_last4]")]
    [InlineData("call +44 20 7946 0958 now", "call [REDACTED:phone] now")]
    [InlineData("call (555) 123-4567 or 555.123.4567", "call [REDACTED:phone] or [REDACTED:phone]")]
    [InlineData("order 5551234567 shipped", "order 5551234567 shipped")] // bare digits are ids, not phones
    [InlineData("key sk-proj-AbCdEf0123456789XyZ used", "key [REDACTED:api_key] used")]
    [InlineData("aws AKIAIOSFODNN7EXAMPLE", "aws [REDACTED:api_key]")]
    [InlineData("gh ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789", "gh [REDACTED:api_key]")]
    [InlineData("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig", "Authorization: Bearer [REDACTED:api_key]")]
    [InlineData("url?api_key=Zx8Qp2Lm9Rt4Vb7Nc1Kd&x=1", "url?api_key=[REDACTED:api_key]&x=1")]
    [InlineData("token=aaaaaaaaaaaaaaaaaaaa", "token=aaaaaaaaaaaaaaaaaaaa")] // low entropy: not a secret
    public void Redacts_each_kind_in_text(string input, string expected) =>
        Assert.Equal(expected, All.Redact(input));

    [Fact]
    public void Only_configured_kinds_are_redacted()
    {
        var emailOnly = new Redactor([RedactionKind.Email]);

        Assert.Equal("[REDACTED:email] 4111 1111 1111 1111", emailOnly.Redact("a@b.io 4111 1111 1111 1111"));
    }

    [Fact]
    public void Redacts_json_recursively_without_touching_the_original()
    {
        var original = JsonNode.Parse("""
            {
              "customer": { "email": "jane@example.com", "card_last4": "4242", "cardLast4": 1234, "phone": "+1 415 555 2671" },
              "payment": { "card": 4111111111111111, "last4": "42" },
              "notes": ["refund to card ending in 1881", "ok"],
              "headers": { "apiKey": "short-but-secret", "Authorization": "Basic dXNlcjpwYXNz" },
              "amount_usd": 42.5
            }
            """);

        var redacted = All.Redact(original)!;

        Assert.Equal("[REDACTED:email]", (string?)redacted["customer"]!["email"]);
        Assert.Equal("[REDACTED:card_last4]", (string?)redacted["customer"]!["card_last4"]);
        Assert.Equal("[REDACTED:card_last4]", (string?)redacted["customer"]!["cardLast4"]);
        Assert.Equal("[REDACTED:phone]", (string?)redacted["customer"]!["phone"]);
        Assert.Equal("[REDACTED:card_number]", (string?)redacted["payment"]!["card"]);
        Assert.Equal("42", (string?)redacted["payment"]!["last4"]); // not 4 digits: left alone
        Assert.Equal("refund to card ending in [REDACTED:card_last4]", (string?)redacted["notes"]![0]);
        Assert.Equal("[REDACTED:api_key]", (string?)redacted["headers"]!["apiKey"]);
        Assert.Equal("[REDACTED:api_key]", (string?)redacted["headers"]!["Authorization"]);
        Assert.Equal(42.5, (double)redacted["amount_usd"]!);
        Assert.Equal("jane@example.com", (string?)original!["customer"]!["email"]);
    }

    [Theory]
    [InlineData("""{"customer":{"email":"jane@example.com","card_last4":"4242","cardLast4":1234},"payment":{"card":4111111111111111,"last4":"42"}}""")]
    [InlineData("""{"notes":["refund to card ending in 1881","ok"],"headers":{"apiKey":"short-but-secret","Authorization":"Basic dXNlcjpwYXNz"}}""")]
    [InlineData("""{"order_id":"A-12345","amount_usd":20.5,"reason":"Refund for late delivery","ids":[1234567890123,4242,null,true],"n\u00e9":"caf\u00e9 <b>"}""")]
    [InlineData("""{"phone":"+1 415 555 2671","nested":{"deeper":[{"token":"abcdefgh"}]}}""")]
    public void Redacted_copy_of_an_element_is_the_redacted_tree(string input)
    {
        foreach (var redactor in new[] { All, new Redactor([RedactionKind.Email, RedactionKind.CardNumber]), new Redactor([]) })
        {
            JsonElement copy;
            string expected;
            using (var document = JsonDocument.Parse(input))
            {
                copy = redactor.RedactedCopy(document.RootElement);
                expected = redactor.Redact(document.RootElement)!.ToJsonString();
            }

            // Read after its document is gone.
            Assert.Equal(expected, JsonSerializer.Serialize(copy));
        }
    }

    [Theory]
    [InlineData("4111111111111111", true)]
    [InlineData("4111 1111 1111 1111", true)]
    [InlineData("4111111111111", false)]  // 13 digits, fails Luhn
    [InlineData("4222222222222", true)]   // 13 digits, passes
    [InlineData("41111111111111111111", false)] // 20 digits
    [InlineData("4111x1111", false)]
    public void Luhn_check(string candidate, bool expected) => Assert.Equal(expected, Redactor.IsCardNumber(candidate));
}
