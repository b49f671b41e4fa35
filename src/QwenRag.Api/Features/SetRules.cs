using FluentValidation;
using QwenRag.Core;

namespace QwenRag.Api.Features;

internal static class SetRules
{
    public static IRuleBuilderOptions<T, string> ValidSetName<T>(this IRuleBuilder<T, string> rule) =>
        rule.Must(SetName.IsValid).WithMessage($"Set names are {SetName.Rule}.");
}
