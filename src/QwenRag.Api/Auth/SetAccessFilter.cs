using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace QwenRag.Api.Auth;

/// <summary>403 for a key limited to other sets than the <c>{set}</c> of the route.</summary>
public sealed class SetAccessFilter : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var set = context.HttpContext.GetRouteValue("set") as string;
        if (set is not null && !context.HttpContext.User.CanAccessSet(set))
        {
            return Forbidden(set);
        }

        return await next(context);
    }

    public static IResult Forbidden(string set) => TypedResults.Problem(
        statusCode: StatusCodes.Status403Forbidden,
        title: "Forbidden",
        detail: $"This API key is not allowed to use set '{set}'.");
}
