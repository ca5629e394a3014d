using System.Globalization;
using System.Numerics;
using System.Text;

namespace Inspector.WebFront.Api;

/// <summary>
/// Reads an integer as Python's <c>int(str)</c> does, because the reference parses the list's
/// <c>limit</c> and the API version's parts with it: surrounding whitespace, a sign, decimal digits
/// of any script, single underscores between digits, and no limit on the size (a value beyond any
/// machine integer is still "over 1000" or "negative", not malformed).
/// </summary>
public static class PythonInt
{
    public static bool TryParse(string text, out BigInteger value)
    {
        value = BigInteger.Zero;
        var span = text.AsSpan().Trim();
        var negative = false;
        if (span.Length > 0 && span[0] is '+' or '-')
        {
            negative = span[0] == '-';
            span = span[1..];
        }

        var digits = 0;
        var afterUnderscore = false;
        foreach (var rune in span.EnumerateRunes())
        {
            if (rune.Value == '_')
            {
                if (digits == 0 || afterUnderscore)
                {
                    return false;
                }

                afterUnderscore = true;
                continue;
            }

            if (Rune.GetUnicodeCategory(rune) != UnicodeCategory.DecimalDigitNumber)
            {
                return false;
            }

            value = (value * 10) + (int)Rune.GetNumericValue(rune);
            digits++;
            afterUnderscore = false;
        }

        if (digits == 0 || afterUnderscore)
        {
            return false;
        }

        value = negative ? -value : value;
        return true;
    }
}
