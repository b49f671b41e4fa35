using FluentValidation;
using Microsoft.Extensions.Options;
using QwenRag.Core;

namespace QwenRag.Api.Features.Search;

public sealed class SearchDocumentsValidator : AbstractValidator<SearchDocuments>
{
    // Document ids are 32 hex digits; a little room so that a wrong id is a 0-result search, not an error.
    private const int MaxDocumentIdLength = 64;

    public SearchDocumentsValidator(IOptions<ApiOptions> options)
    {
        var limits = options.Value;
        RuleFor(request => request.Set).ValidSetName();
        RuleFor(request => request.Query).NotEmpty().WithMessage("A query is required.")
            .AtMostCharacters(limits.MaxQueryLength, nameof(ApiOptions.MaxQueryLength));
        RuleFor(request => request.Top).InclusiveBetween(1, QueryLimits.MaxTop);
        RuleFor(request => request.Documents)
            .AtMost(limits.MaxFilterDocuments, nameof(ApiOptions.MaxFilterDocuments), "document ids in a filter")
            .OverridePropertyName("filter.documents");
        RuleFor(request => request.Tags)
            .AtMost(limits.MaxFilterTags, nameof(ApiOptions.MaxFilterTags), "tags in a filter")
            .OverridePropertyName("filter.tags");
        // Each item is checked only within the count limit: one error for a flood, not one per item.
        RuleForEach(request => request.Documents).NotEmpty().MaximumLength(MaxDocumentIdLength)
            .OverridePropertyName("filter.documents")
            .When(request => request.Documents is null || request.Documents.Count <= limits.MaxFilterDocuments);
        RuleForEach(request => request.Tags).NotEmpty()
            .AtMostCharacters(limits.MaxTagLength, nameof(ApiOptions.MaxTagLength))
            .OverridePropertyName("filter.tags")
            .When(request => request.Tags is null || request.Tags.Count <= limits.MaxFilterTags);
    }
}
