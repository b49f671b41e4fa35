using FluentValidation;

namespace QwenRag.Api.Features;

/// <summary>Rules for the configured limits of <see cref="ApiOptions"/>, whose messages name the setting.</summary>
internal static class LimitRules
{
    public static IRuleBuilderOptions<T, IReadOnlyList<string>?> AtMost<T>(
        this IRuleBuilder<T, IReadOnlyList<string>?> rule, int limit, string setting, string what) =>
        rule.Must(items => items is null || items.Count <= limit)
            .WithMessage($"At most {limit:N0} {what} ({ApiOptions.Key(setting)}).");

    public static IRuleBuilderOptions<T, string?> AtMostCharacters<T>(
        this IRuleBuilder<T, string?> rule, int limit, string setting) =>
        rule.MaximumLength(limit)
            .WithMessage($"At most {limit:N0} characters ({ApiOptions.Key(setting)}); this has {{TotalLength:N0}}.");
}
