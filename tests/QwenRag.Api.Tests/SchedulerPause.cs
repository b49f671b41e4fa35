using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using QwenRag.Generation.Generation;

namespace QwenRag.Api.Tests;

/// <summary>
/// Holds the host's <see cref="GenerationScheduler"/> before its next pass until disposed: the sequences it runs keep
/// their slots, unfinished, however fast the model decodes, so a request made meanwhile certainly finds them there.
/// Requests are still admitted or refused at once (that happens on the caller's thread), and cancelled ones still
/// give their slots back.
/// </summary>
public sealed class SchedulerPause : IDisposable
{
    private readonly GenerationScheduler _scheduler;
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private SchedulerPause(GenerationScheduler scheduler) => _scheduler = scheduler;

    /// <summary>Returns once the scheduler's loop waits for this pause.</summary>
    public static async Task<SchedulerPause> StartAsync(IServiceProvider services)
    {
        var scheduler = services.GetRequiredService<IChatClient>().GetService<GenerationScheduler>()
            ?? throw new InvalidOperationException("The host answers with no local Qwen model.");
        var pause = new SchedulerPause(scheduler);
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        scheduler.BeforeIteration = _ =>
        {
            entered.TrySetResult();
            pause._release.Task.Wait();
        };
        scheduler.Wake();
        await entered.Task.WaitAsync(TimeSpan.FromSeconds(60));
        return pause;
    }

    public void Dispose()
    {
        _scheduler.BeforeIteration = null;
        _release.TrySetResult();
    }
}
