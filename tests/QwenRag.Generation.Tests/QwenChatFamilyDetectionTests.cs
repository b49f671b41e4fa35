using System.Text.Json;
using QwenRag.Generation.Chat;

namespace QwenRag.Generation.Tests;

/// <summary>Which template a model folder gets: from its chat template text, else config.json's model_type, else ChatML.</summary>
public sealed class QwenChatFamilyDetectionTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("qwenrag-chat-family-");

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact]
    public void SharedQwen3Tokenizer_IsQwen3()
    {
        var folder = new TokenizerFixture().Directory;

        var template = QwenChatTemplate.ForModelDirectory(folder);

        Assert.Equal(QwenChatFamily.Qwen3, template.Family);
        Assert.Contains("tokenizer_config.json", template.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("qwen3", QwenChatFamily.Qwen3)]
    [InlineData("qwen2_5", QwenChatFamily.Qwen25)]
    [InlineData("qwen2", QwenChatFamily.Qwen2)]
    public void OfficialTemplateInTokenizerConfig_ItsFamily_WhateverConfigSays(string family, QwenChatFamily expected)
    {
        WriteTokenizerConfig(ChatTemplateCases.TemplateText(family));
        WriteConfig("qwen3");

        Assert.Equal(expected, QwenChatTemplate.ForModelDirectory(_directory.FullName).Family);
    }

    [Fact]
    public void ChatTemplateJinja_TakesPrecedenceOverTokenizerConfig()
    {
        WriteTokenizerConfig(ChatTemplateCases.TemplateText("qwen3"));
        File.WriteAllText(Path.Combine(_directory.FullName, "chat_template.jinja"), ChatTemplateCases.TemplateText("qwen2_5"));

        var template = QwenChatTemplate.ForModelDirectory(_directory.FullName);

        Assert.Equal(QwenChatFamily.Qwen25, template.Family);
        Assert.Contains("chat_template.jinja", template.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void NamedTemplateList_UsesTheDefaultOne()
    {
        var config = JsonSerializer.Serialize(new
        {
            chat_template = new[]
            {
                new { name = "tool_use", template = "{{ messages }}" },
                new { name = "default", template = ChatTemplateCases.TemplateText("qwen2_5") },
            },
        });
        File.WriteAllText(Path.Combine(_directory.FullName, "tokenizer_config.json"), config);

        Assert.Equal(QwenChatFamily.Qwen25, QwenChatTemplate.ForModelDirectory(_directory.FullName).Family);
    }

    [Theory]
    [InlineData("qwen3", QwenChatFamily.Qwen3)]
    [InlineData("qwen3_moe", QwenChatFamily.Qwen3)]
    [InlineData("qwen2", QwenChatFamily.Qwen25)]
    [InlineData("qwen2_moe", QwenChatFamily.Qwen25)]
    [InlineData("llama", QwenChatFamily.ChatML)]
    public void UnknownTemplate_FamilyFromConfigModelType(string modelType, QwenChatFamily expected)
    {
        WriteTokenizerConfig("{% for message in messages %}{{ message.content }}{% endfor %}");
        WriteConfig(modelType);

        var template = QwenChatTemplate.ForModelDirectory(_directory.FullName);

        Assert.Equal(expected, template.Family);
        Assert.Contains("not one this renderer knows", template.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void NoTemplateAndNoConfig_PlainChatMlThatRefusesTools()
    {
        var template = QwenChatTemplate.ForModelDirectory(_directory.FullName);
        using var tool = JsonDocument.Parse("""{"type": "function", "function": {"name": "f"}}""");

        Assert.Equal(QwenChatFamily.ChatML, template.Family);
        Assert.False(template.SupportsTools);
        Assert.Equal("<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n", template.Render([new TemplateMessage("user", "hi")], null, true, null));
        var error = Assert.Throws<ArgumentException>(() => template.Render([new TemplateMessage("user", "hi")], [tool.RootElement], true, null));
        Assert.Contains("ChatML", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ConfigWithoutTemplate_Qwen3FromModelType()
    {
        WriteConfig("qwen3");

        var template = QwenChatTemplate.ForModelDirectory(_directory.FullName);

        Assert.Equal(QwenChatFamily.Qwen3, template.Family);
        Assert.Contains("no chat template", template.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void TokenizerConfigNotJson_InvalidDataNamingTheFile()
    {
        File.WriteAllText(Path.Combine(_directory.FullName, "tokenizer_config.json"), "{ not json");

        var error = Assert.Throws<InvalidDataException>(() => QwenChatTemplate.ForModelDirectory(_directory.FullName));
        Assert.Contains("tokenizer_config.json", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingFolder_DirectoryNotFound() =>
        Assert.Throws<DirectoryNotFoundException>(() => QwenChatTemplate.ForModelDirectory(Path.Combine(_directory.FullName, "absent")));

    private void WriteTokenizerConfig(string template) =>
        File.WriteAllText(Path.Combine(_directory.FullName, "tokenizer_config.json"), JsonSerializer.Serialize(new { chat_template = template, eos_token = "<|im_end|>" }));

    private void WriteConfig(string modelType) =>
        File.WriteAllText(Path.Combine(_directory.FullName, "config.json"), JsonSerializer.Serialize(new { model_type = modelType }));
}
