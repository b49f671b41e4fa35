using FluentValidation;
using Microsoft.Extensions.Options;
using QwenRag.Core;

namespace QwenRag.Api.Features.Ask;

public abstract class AskRules<T> : AbstractValidator<T>
    where T : IAskRequest
{
    public const int MaxTokensLimit = 4096;

    protected AskRules(IOptions<ApiOptions> options)
    {
        RuleFor(request => request.Set).ValidSetName();
        RuleFor(request => request.Question).NotEmpty().WithMessage("A question is required.")
            .AtMostCharacters(options.Value.MaxQueryLength, nameof(ApiOptions.MaxQueryLength));
        RuleFor(request => request.Top).InclusiveBetween(1, QueryLimits.MaxTop);
        RuleFor(request => request.MaxTokens).InclusiveBetween(1, MaxTokensLimit);
    }
}

public sealed class AskQuestionValidator(IOptions<ApiOptions> options) : AskRules<AskQuestion>(options);

public sealed class StreamAnswerValidator(IOptions<ApiOptions> options) : AskRules<StreamAnswer>(options);
