using Microsoft.Extensions.Options;
using QwenRag.Core;

namespace QwenRag.Api.Auth;

/// <summary>API keys (section <c>QwenRag:Auth</c>): <c>QwenRag__Auth__Keys__0__Key</c>, <c>..._Role</c>, <c>..._Sets__0</c>.</summary>
public sealed class AuthOptions
{
    public const string SectionName = "QwenRag:Auth";

    public List<ApiKey> Keys { get; set; } = [];

    /// <summary>With no keys the service is open, which is only allowed on loopback.</summary>
    public bool Enabled => Keys.Count > 0;

    public sealed class Validator : IValidateOptions<AuthOptions>
    {
        public ValidateOptionsResult Validate(string? name, AuthOptions options)
        {
            var failures = new List<string>();
            for (var i = 0; i < options.Keys.Count; i++)
            {
                var key = options.Keys[i];
                if (string.IsNullOrWhiteSpace(key.Key) || key.Key.Length < 8)
                {
                    failures.Add($"QwenRag:Auth:Keys:{i}:Key must be at least 8 characters.");
                }

                failures.AddRange(key.Sets.Where(set => !SetName.IsValid(set))
                    .Select(set => $"QwenRag:Auth:Keys:{i}:Sets has an invalid set name '{set}': {SetName.Rule}."));
            }

            if (options.Keys.Select(k => k.Key).Distinct(StringComparer.Ordinal).Count() != options.Keys.Count)
            {
                failures.Add("QwenRag:Auth:Keys has the same key twice.");
            }

            return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
        }
    }
}
