using Microsoft.AspNetCore.Http;

namespace QwenRag.Api.Problems;

/// <summary>
/// A request over one of the configured limits: 400 for counts and lengths, 413 for sizes in bytes. The problem
/// names the setting (<see cref="Setting"/>, e.g. <c>QwenRag:Api:MaxTags</c>) and its value.
/// </summary>
public sealed class RequestLimitException(string setting, long limit, string message, int status = StatusCodes.Status400BadRequest)
    : Exception($"{message} (limit {limit:N0}, setting {ApiOptions.Key(setting)}).")
{
    public string Setting { get; } = ApiOptions.Key(setting);

    public long Limit { get; } = limit;

    public int Status { get; } = status;
}
