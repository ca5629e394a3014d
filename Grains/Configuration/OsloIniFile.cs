using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Ini;

namespace Inspector.Grains.Configuration;

/// <summary>
/// An INI file read with oslo.config's rules instead of Microsoft's, so that every file the
/// reference accepts is read as the reference reads it: an option set twice keeps its last value
/// (configuration management tools append overrides), <c>key: value</c> is an assignment,
/// indented lines continue the previous value (joined with a line break), and a value in matching
/// single or double quotes loses them. A line the reference rejects is rejected with its message.
/// </summary>
/// <remarks>
/// A subclass of Microsoft's INI provider, so that everything which tells INI options from other
/// sources (the unknown-option warning) treats both alike.
/// </remarks>
public sealed class OsloIniConfigurationSource : IniConfigurationSource
{
    public override IConfigurationProvider Build(IConfigurationBuilder builder)
    {
        EnsureDefaults(builder);
        return new OsloIniConfigurationProvider(this);
    }
}

public sealed class OsloIniConfigurationProvider(OsloIniConfigurationSource source) : IniConfigurationProvider(source)
{
    /// <summary>
    /// Every value of every key (<c>section:option</c>) in file order, for options that oslo.config
    /// repeats instead of overriding (<see cref="OptionAttribute.Multi"/>).
    /// </summary>
    public IReadOnlyDictionary<string, List<string>> Occurrences { get; private set; } =
        new Dictionary<string, List<string>>(StringComparer.OrdinalIgnoreCase);

    public override void Load(Stream stream)
    {
        using var reader = new StreamReader(stream);
        var occurrences = OsloIni.Parse(reader);
        Occurrences = occurrences;
        Data = occurrences.ToDictionary(o => o.Key, o => (string?)o.Value[^1], StringComparer.OrdinalIgnoreCase);
    }
}

/// <summary>
/// oslo.config's <c>iniparser</c>, line for line: every value of each configuration key
/// <c>section:option</c>, in file order (the last one is the option's value).
/// </summary>
public static class OsloIni
{
    public static Dictionary<string, List<string>> Parse(TextReader reader)
    {
        var data = new Dictionary<string, List<string>>(StringComparer.OrdinalIgnoreCase);
        string? section = null;
        string? key = null;
        var value = new List<string>();
        var number = 0;

        void Flush()
        {
            if (key is null)
            {
                return;
            }

            if (section is null)
            {
                // Where oslo.config notices: at the line after the assignment, or the file's last line.
                throw Error("Section must be started before assignment", number, null);
            }

            var name = $"{section}:{key}";
            if (!data.TryGetValue(name, out var values))
            {
                data[name] = values = [];
            }

            values.Add(string.Join('\n', value));
            key = null;
            value.Clear();
        }

        while (reader.ReadLine() is { } raw)
        {
            number++;
            var line = raw.TrimEnd();
            if (line.Length == 0)
            {
                Flush(); // a blank line ends a value that continues over several lines
                continue;
            }

            if (line[0] is ' ' or '\t')
            {
                if (key is null)
                {
                    throw Error("Unexpected continuation line", number, line);
                }

                value.Add(line.TrimStart());
                continue;
            }

            Flush();
            if (line[0] == '[')
            {
                if (!line.EndsWith(']'))
                {
                    throw Error("Invalid section (must end with ])", number, line);
                }

                if (line.Length <= 2)
                {
                    throw Error("Empty section name", number, line);
                }

                section = line[1..^1];
            }
            else if (line[0] is not ('#' or ';'))
            {
                (key, var first) = SplitAssignment(line, number);
                value.Add(first);
            }
        }

        Flush();
        return data;
    }

    private static (string Key, string Value) SplitAssignment(string line, int number)
    {
        var colon = line.IndexOf(':');
        var equal = line.IndexOf('=');
        if (colon < 0 && equal < 0)
        {
            throw Error("No ':' or '=' found in assignment", number, line);
        }

        // The first of the two separators splits, as in oslo.config.
        var at = colon < 0 || (equal >= 0 && equal < colon) ? equal : colon;
        var key = line[..at].Trim();
        if (key.Length == 0)
        {
            throw Error("Key cannot be empty", number, line);
        }

        var value = line[(at + 1)..].Trim();
        if (value.Length >= 2 && value[0] == value[^1] && value[0] is '"' or '\'')
        {
            value = value[1..^1];
        }
        else if (value is "\"" or "'")
        {
            value = ""; // Python's value[1:-1] of a lone quote
        }

        return (key, value);
    }

    /// <summary>The reference's wording: <c>at line 3, No ':' or '=' found in assignment: 'text'</c>.</summary>
    private static FormatException Error(string message, int number, string? line) =>
        new(line is null ? $"at line {number}, {message}" : $"at line {number}, {message}: '{line}'");
}
