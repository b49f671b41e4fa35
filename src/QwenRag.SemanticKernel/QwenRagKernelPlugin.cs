using Microsoft.SemanticKernel;

namespace QwenRag.SemanticKernel;

/// <summary>Builds the Semantic Kernel plugin: the read functions always, the admin ones only when asked for.</summary>
public static class QwenRagKernelPlugin
{
    public const string Description =
        "Question answering and search over the user's document sets (PDF, DOCX, HTML, Markdown), with page citations.";

    /// <exception cref="ArgumentException">An option is invalid (<see cref="QwenRagPluginOptions.Validate"/>).</exception>
    public static KernelPlugin Create(IQwenRagBackend backend, QwenRagPluginOptions options)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var functions = new List<KernelFunction>(KernelPluginFactory.CreateFromObject(new QwenRagPlugin(backend, options)));
        if (options.IncludeAdminFunctions)
        {
            functions.AddRange(KernelPluginFactory.CreateFromObject(new QwenRagAdminPlugin(backend, options)));
        }

        return KernelPluginFactory.CreateFromFunctions(options.PluginName, Description, functions);
    }
}
