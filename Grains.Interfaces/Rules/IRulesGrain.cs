namespace Inspector.Grains.Interfaces.Rules;

/// <summary>
/// Managing introspection rules (<c>/v1/rules</c>). A stateless worker over the shared rule
/// store: rules are read by every silo from the store, never from one grain.
/// </summary>
[Alias("inspector.rules")]
public interface IRulesGrain : IGrainWithIntegerKey
{
    /// <summary>Validates and stores a rule; the reply carries the rule as the API shows it.</summary>
    [Alias("create")]
    Task<RuleReply> CreateAsync(string body);

    [Alias("get")]
    Task<RuleReply> GetAsync(string uuid);

    /// <summary>Every rule in short form, in creation order.</summary>
    [Alias("list")]
    Task<RuleReply> ListAsync();

    [Alias("delete")]
    Task<RuleReply> DeleteAsync(string uuid);

    [Alias("delete-all")]
    Task<RuleReply> DeleteAllAsync();
}

/// <summary>An HTTP status with a JSON body, or an error message.</summary>
[GenerateSerializer, Immutable, Alias("inspector.rule-reply")]
public sealed record RuleReply([property: Id(0)] int Status, [property: Id(1)] string? Json, [property: Id(2)] string? Message = null);
