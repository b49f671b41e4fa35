using Microsoft.SemanticKernel;
using Xunit.Abstractions;

namespace QwenRag.SemanticKernel.Tests;

/// <summary>The functions as an agent sees them: names, descriptions, parameter schemas, required and optional.</summary>
[Collection(PluginCollection.Name)]
public sealed class MetadataTests(PluginFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public void Metadata_NamesDescriptionsAndParameters()
    {
        var functions = fixture.RemoteAdmin.Plugins.GetFunctionsMetadata().ToDictionary(f => f.Name);
        foreach (var function in functions.Values)
        {
            output.WriteLine($"{function.PluginName}.{function.Name}: {function.Description}");
            foreach (var parameter in function.Parameters)
            {
                output.WriteLine($"  {parameter.Name} required={parameter.IsRequired} default={parameter.DefaultValue} schema={parameter.Schema}");
            }
        }

        Assert.Equal(["ask", "search", "list_sets", "list_documents", "upload", "delete_document"], functions.Keys);
        Assert.All(functions.Values, function => Assert.Equal("qwenrag", function.PluginName));
        Assert.All(functions.Values, function => Assert.True(function.Description.Length > 40, function.Name));
        Assert.Equal([("question", true), ("set", false), ("top", false)], Parameters(functions["ask"]));
        Assert.Equal([("query", true), ("set", false), ("top", false)], Parameters(functions["search"]));
        Assert.Empty(functions["list_sets"].Parameters);
        Assert.Equal([("set", false)], Parameters(functions["list_documents"]));
        Assert.Equal([("path", true), ("set", false)], Parameters(functions["upload"]));
        Assert.Equal([("document", true), ("set", false)], Parameters(functions["delete_document"]));
        Assert.Contains("[n]", functions["ask"].Description, StringComparison.Ordinal);
        Assert.Contains("index", functions["ask"].Parameters[1].Description, StringComparison.Ordinal);
        Assert.Equal("integer", functions["ask"].Parameters[2].Schema!.RootElement.GetProperty("type").GetString());
        Assert.Contains("1 to 100", functions["search"].Parameters[2].Description, StringComparison.Ordinal);
        Assert.Equal("8", functions["ask"].Parameters[2].DefaultValue?.ToString());
        Assert.Equal("5", functions["search"].Parameters[2].DefaultValue?.ToString());
    }

    [Fact]
    public void AIFunction_JsonSchema_RequiresOnlyTheQuestion()
    {
        var ask = fixture.InProcess.Plugins["qwenrag"]["ask"];

        var schema = ask.JsonSchema; // a KernelFunction is an AIFunction: this is the schema a chat client sends
        output.WriteLine(schema.ToString());

        Assert.Equal(["question"], schema.GetProperty("required").EnumerateArray().Select(e => e.GetString()));
        var properties = schema.GetProperty("properties");
        Assert.Equal(["question", "set", "top"], properties.EnumerateObject().Select(p => p.Name));
        Assert.Equal("string", properties.GetProperty("question").GetProperty("type").GetString());
        Assert.False(string.IsNullOrEmpty(properties.GetProperty("set").GetProperty("description").GetString()));
        Assert.Equal("integer", properties.GetProperty("top").GetProperty("type").GetString());
        Assert.EndsWith("1 to 100. (default value: 8)", properties.GetProperty("top").GetProperty("description").GetString(), StringComparison.Ordinal);
    }

    private static (string Name, bool Required)[] Parameters(KernelFunctionMetadata function) =>
        [.. function.Parameters.Select(parameter => (parameter.Name, parameter.IsRequired))];
}
