using FluentValidation;
using QwenRag.Core;

namespace QwenRag.Api.Features.Search;

public sealed class SearchDocumentsValidator : AbstractValidator<SearchDocuments>
{
    public SearchDocumentsValidator()
    {
        RuleFor(request => request.Set).ValidSetName();
        RuleFor(request => request.Query).NotEmpty().WithMessage("A query is required.")
            .MaximumLength(4000);
        RuleFor(request => request.Top).InclusiveBetween(1, QueryLimits.MaxTop);
        RuleForEach(request => request.Documents).NotEmpty();
        RuleForEach(request => request.Tags).NotEmpty();
    }
}
