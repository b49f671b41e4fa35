using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace QwenRag.Generation.Chat;

public static class GenerationQueueChatClientBuilderExtensions
{
    /// <summary>
    /// Adds a <see cref="GenerationQueueChatClient"/>: one request at a time, at most <paramref name="maxQueued"/>
    /// waiting, the rest refused with <see cref="Core.ModelBusyException"/>. Refusals are logged through the
    /// services' <see cref="ILoggerFactory"/>, if any.
    /// </summary>
    public static ChatClientBuilder UseGenerationQueue(this ChatClientBuilder builder, int maxQueued)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentOutOfRangeException.ThrowIfNegative(maxQueued);
        return builder.Use((inner, services) =>
            new GenerationQueueChatClient(inner, maxQueued, services.GetService<ILoggerFactory>()?.CreateLogger<GenerationQueueChatClient>()));
    }
}
