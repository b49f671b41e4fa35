using FluentValidation;
using QwenRag.Core;

namespace QwenRag.Api.Features.Ask;

public abstract class AskRules<T> : AbstractValidator<T>
    where T : IAskRequest
{
    public const int MaxTokensLimit = 4096;

    protected AskRules()
    {
        RuleFor(request => request.Set).ValidSetName();
        RuleFor(request => request.Question).NotEmpty().WithMessage("A question is required.").MaximumLength(4000);
        RuleFor(request => request.Top).InclusiveBetween(1, QueryLimits.MaxTop);
        RuleFor(request => request.MaxTokens).InclusiveBetween(1, MaxTokensLimit);
    }
}

public sealed class AskQuestionValidator : AskRules<AskQuestion>;

public sealed class StreamAnswerValidator : AskRules<StreamAnswer>;
