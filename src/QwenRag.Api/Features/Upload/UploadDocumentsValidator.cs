using FluentValidation;

namespace QwenRag.Api.Features.Upload;

public sealed class UploadDocumentsValidator : AbstractValidator<UploadDocuments>
{
    public UploadDocumentsValidator()
    {
        RuleFor(request => request.Set).ValidSetName();
        RuleFor(request => request.Files).NotEmpty().WithMessage("Send at least one multipart part named 'file'.")
            .OverridePropertyName("file");
        RuleForEach(request => request.Tags).NotEmpty().MaximumLength(100);
    }
}
