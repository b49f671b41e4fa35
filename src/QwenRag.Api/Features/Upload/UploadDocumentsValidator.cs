using FluentValidation;
using Microsoft.Extensions.Options;

namespace QwenRag.Api.Features.Upload;

public sealed class UploadDocumentsValidator : AbstractValidator<UploadDocuments>
{
    public UploadDocumentsValidator(IOptions<ApiOptions> options)
    {
        var limits = options.Value;
        RuleFor(request => request.Set).ValidSetName();
        RuleFor(request => request.Files).NotEmpty().WithMessage("Send at least one multipart part named 'file'.")
            .OverridePropertyName("file");
        RuleFor(request => request.Tags).AtMost(limits.MaxTags, nameof(ApiOptions.MaxTags), "tags");
        RuleForEach(request => request.Tags).NotEmpty()
            .AtMostCharacters(limits.MaxTagLength, nameof(ApiOptions.MaxTagLength)).OverridePropertyName("tags")
            .When(request => request.Tags.Count <= limits.MaxTags); // one error, not one per tag of a flood
    }
}
