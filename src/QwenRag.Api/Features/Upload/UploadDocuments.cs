using Mediator;

namespace QwenRag.Api.Features.Upload;

public sealed record UploadDocuments(string Set, IReadOnlyList<UploadedFile> Files, IReadOnlyList<string> Tags)
    : IRequest<UploadResponse>;
