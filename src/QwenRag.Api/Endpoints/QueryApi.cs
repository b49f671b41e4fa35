using System.Net.ServerSentEvents;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using QwenRag.Api.Auth;
using QwenRag.Api.Features.Ask;
using QwenRag.Api.Features.Search;
using QwenRag.Core;
using QwenRag.Hosting;

namespace QwenRag.Api.Endpoints;

public static class QueryApi
{
    public sealed record SearchBody(string? Query, int? Top, SearchFilterBody? Filter);

    public sealed record SearchFilterBody(IReadOnlyList<string>? Documents, IReadOnlyList<string>? Tags);

    public sealed record AskBody(string? Question, int? Top, int? MaxTokens);

    public static IEndpointRouteBuilder MapQueryApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/sets/{set}")
            .RequireAuthorization(ApiPolicies.Reader)
            .AddEndpointFilter<SetAccessFilter>()
            .WithMetadata(JsonBodyLimit.Metadata)
            .WithTags("Query");
        group.MapPost("/search", SearchAsync)
            .WithName("Search")
            .WithSummary("Hybrid search (dense + BM25, fused) over a set's passages");
        group.MapPost("/ask", AskAsync)
            .WithName("Ask")
            .WithSummary("Answer a question from a set with page citations; Accept: text/event-stream streams it")
            .Produces<AskResponse>(StatusCodes.Status200OK, "application/json", "text/event-stream")
            .ProducesProblem(StatusCodes.Status429TooManyRequests);
        return app;
    }

    private static async Task<Ok<SearchResponse>> SearchAsync(
        string set, SearchBody? body, IMediator mediator, CancellationToken cancellationToken)
    {
        var request = new SearchDocuments(
            set, body?.Query, body?.Top ?? QueryLimits.DefaultSearchTop, body?.Filter?.Documents, body?.Filter?.Tags);
        return TypedResults.Ok(await mediator.Send(request, cancellationToken));
    }

    private static async Task<IResult> AskAsync(
        string set, AskBody? body, HttpRequest http, IMediator mediator, QueryService query, CancellationToken cancellationToken)
    {
        var top = body?.Top ?? QueryLimits.DefaultAskTop;
        if (!http.Headers.Accept.ToString().Contains("text/event-stream", StringComparison.OrdinalIgnoreCase))
        {
            return TypedResults.Ok(await mediator.Send(new AskQuestion(set, body?.Question, top, body?.MaxTokens), cancellationToken));
        }

        // The first step runs before any byte is sent, so validation, unknown sets and a busy model (429) still answer
        // with a problem.
        var updates = mediator.CreateStream(new StreamAnswer(set, body?.Question, top, body?.MaxTokens), cancellationToken)
            .GetAsyncEnumerator(cancellationToken);
        var hasFirst = await updates.MoveNextAsync();
        return TypedResults.ServerSentEvents(Events(updates, hasFirst, query.GeneratorName));
    }

    private static async IAsyncEnumerable<SseItem<object>> Events(
        IAsyncEnumerator<AnswerUpdate> updates, bool hasCurrent, string generator)
    {
        await using (updates)
        {
            while (hasCurrent)
            {
                var update = updates.Current;
                yield return update.Text is not null
                    ? new SseItem<object>(new { text = update.Text }, "delta")
                    : new SseItem<object>(new { citations = update.Citations }, "citations");
                hasCurrent = await updates.MoveNextAsync();
            }
        }

        yield return new SseItem<object>(new { generator }, "done");
    }
}
