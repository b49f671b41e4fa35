using Mediator;
using QwenRag.Core;
using QwenRag.Hosting;

namespace QwenRag.Api.Features.Ask;

public sealed class AskQuestionHandler(QueryService query) : IRequestHandler<AskQuestion, AskResponse>
{
    public async ValueTask<AskResponse> Handle(AskQuestion request, CancellationToken cancellationToken) =>
        await query.AskAsync(request.Set, request.Question!, request.Top, Options(request.MaxTokens), cancellationToken);

    internal static AnswerOptions? Options(int? maxTokens) => maxTokens is null ? null : new AnswerOptions { MaxTokens = maxTokens };
}

public sealed class StreamAnswerHandler(QueryService query) : IStreamRequestHandler<StreamAnswer, AnswerUpdate>
{
    public IAsyncEnumerable<AnswerUpdate> Handle(StreamAnswer request, CancellationToken cancellationToken) =>
        query.AskStreamingAsync(request.Set, request.Question!, request.Top, AskQuestionHandler.Options(request.MaxTokens), cancellationToken);
}
