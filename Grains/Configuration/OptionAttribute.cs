namespace Inspector.Grains.Configuration;

/// <summary>
/// Marks a property as an ironic-inspector configuration option, under the same name as in
/// ironic-inspector's INI files, so an existing configuration file works unchanged.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class OptionAttribute(string name) : Attribute
{
    public string Name { get; } = name;

    /// <summary>Smallest accepted value of a numeric option.</summary>
    public double Min { get; init; } = double.NegativeInfinity;

    /// <summary>Largest accepted value of a numeric option.</summary>
    public double Max { get; init; } = double.PositiveInfinity;

    /// <summary>The accepted values of a string option (or of each item of a list option).</summary>
    public string[]? Choices { get; init; }

    /// <summary>
    /// oslo.config's MultiStrOpt: every occurrence in the files counts, in order, instead of the last
    /// one overriding the others. The property is a list of the values as written.
    /// </summary>
    public bool Multi { get; init; }
}

/// <summary>A section of the configuration file, e.g. <c>[DEFAULT]</c> or <c>[ironic]</c>.</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class SectionAttribute(string name) : Attribute
{
    public string Name { get; } = name;
}

/// <summary>Start-up stops with this when an option has a value the service cannot use.</summary>
public sealed class InvalidConfigurationException(string message) : Exception(message);
