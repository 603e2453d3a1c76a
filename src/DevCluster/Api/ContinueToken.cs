using System.Globalization;
using System.Text;

namespace AgentOperator.DevCluster.Api;

/// <summary>The opaque <c>continue</c> token of a paged list: the list's revision and the last key returned.</summary>
internal static class ContinueToken
{
    public static string Encode(long revision, string lastKey) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(revision.ToString(CultureInfo.InvariantCulture) + "\n" + lastKey));

    public static (long Revision, string LastKey) Decode(string token)
    {
        try
        {
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(token));
            var newline = text.IndexOf('\n', StringComparison.Ordinal);
            return (long.Parse(text[..newline], CultureInfo.InvariantCulture), text[(newline + 1)..]);
        }
        catch (Exception e) when (e is FormatException or ArgumentOutOfRangeException)
        {
            throw ApiErrors.BadRequest("invalid continue token");
        }
    }
}
