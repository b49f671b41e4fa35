namespace QwenRag.Generation.Chat;

/// <summary>The chat templates <see cref="QwenChatTemplate"/> reproduces.</summary>
public enum QwenChatFamily
{
    /// <summary>
    /// Plain ChatML (&lt;|im_start|&gt;role\ncontent&lt;|im_end|&gt;\n per turn), no default system prompt and no tool
    /// calling: for a folder whose template and config.json name no Qwen family.
    /// </summary>
    ChatML,

    /// <summary>Qwen2-Instruct's template: ChatML with the default system prompt "You are a helpful assistant.", no tools.</summary>
    Qwen2,

    /// <summary>Qwen2.5's template: tools, &lt;tool_response&gt; turns, and the default system prompt "You are Qwen, …".</summary>
    Qwen25,

    /// <summary>Qwen3's template: tools, &lt;tool_response&gt; turns, &lt;think&gt; blocks and enable_thinking.</summary>
    Qwen3,
}
