using FluentValidation;
using Mediator;

namespace QwenRag.Api.Validation;

/// <summary>Runs every validator of a request before its handler; failures become a 400 validation problem.</summary>
public sealed class ValidationBehavior<TMessage, TResponse>(IEnumerable<IValidator<TMessage>> validators)
    : IPipelineBehavior<TMessage, TResponse>
    where TMessage : IMessage
{
    public async ValueTask<TResponse> Handle(
        TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken cancellationToken)
    {
        await RequestValidation.ValidateAsync(validators, message, cancellationToken);
        return await next(message, cancellationToken);
    }
}
