using System.Runtime.CompilerServices;
using FluentValidation;
using Mediator;

namespace QwenRag.Api.Validation;

/// <summary>Validates a streaming request before its first item, so a bad request fails before any output.</summary>
public sealed class StreamValidationBehavior<TMessage, TResponse>(IEnumerable<IValidator<TMessage>> validators)
    : IStreamPipelineBehavior<TMessage, TResponse>
    where TMessage : IStreamMessage
{
    public async IAsyncEnumerable<TResponse> Handle(
        TMessage message,
        StreamHandlerDelegate<TMessage, TResponse> next,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await RequestValidation.ValidateAsync(validators, message, cancellationToken);
        await foreach (var item in next(message, cancellationToken).WithCancellation(cancellationToken))
        {
            yield return item;
        }
    }
}
