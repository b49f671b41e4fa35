using FluentValidation;

namespace QwenRag.Api.Validation;

internal static class RequestValidation
{
    public static async Task ValidateAsync<T>(IEnumerable<IValidator<T>> validators, T message, CancellationToken cancellationToken)
    {
        var failures = new List<FluentValidation.Results.ValidationFailure>();
        foreach (var validator in validators)
        {
            var result = await validator.ValidateAsync(message, cancellationToken);
            failures.AddRange(result.Errors);
        }

        if (failures.Count > 0)
        {
            throw new ValidationException(failures);
        }
    }
}
