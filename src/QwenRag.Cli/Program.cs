using QwenRag.Cli;

return await new QwenRagCommand().InvokeAsync(args);
