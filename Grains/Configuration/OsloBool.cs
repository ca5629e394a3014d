namespace Inspector.Grains.Configuration;

/// <summary>Booleans as oslo's strict <c>bool_from_string</c> reads them, in options and query strings.</summary>
public static class OsloBool
{
    private static readonly string[] TrueWords = ["1", "t", "true", "on", "y", "yes"];
    private static readonly string[] FalseWords = ["0", "f", "false", "off", "n", "no"];

    public static bool TryParse(string? text, out bool value)
    {
        var word = (text ?? "").Trim().ToLowerInvariant();
        value = TrueWords.Contains(word);
        return value || FalseWords.Contains(word);
    }
}
