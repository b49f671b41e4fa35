using QwenRag.Cli;

return await QwenRagCommand.Create().Parse(args).InvokeAsync();
