using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using QwenRag.Api.AdminConsole;
using QwenRag.Api.Auth;
using QwenRag.Api.Endpoints;
using QwenRag.Api.Problems;
using QwenRag.Hosting.Backends;
using Scalar.AspNetCore;

namespace QwenRag.Api;

/// <summary>The REST API with the ingestion worker, as <c>qwenrag serve</c> runs it.</summary>
public static class QwenRagApi
{
    public const string DefaultUrl = "http://127.0.0.1:5080";

    /// <summary>
    /// Builds the app from appsettings.json, environment variables and <paramref name="args"/>
    /// (e.g. <c>--urls</c>, <c>--QwenRag:DataDirectory</c>). Without keys, throws when the configured <c>urls</c> are
    /// beyond loopback, and the start fails once the server has bound any address beyond loopback (however configured).
    /// </summary>
    /// <param name="args">The command line.</param>
    /// <param name="configure">More services, after the API's (tests add exporters here).</param>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        var urls = builder.Configuration["urls"];
        var endpoints = builder.Configuration.GetSection("Kestrel:Endpoints").GetChildren().Any();
        if (string.IsNullOrWhiteSpace(urls))
        {
            urls = endpoints ? string.Empty : DefaultUrl;
            if (!endpoints)
            {
                builder.WebHost.UseUrls(urls);
            }
        }

        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.AddQwenRagApi();
        configure?.Invoke(builder);
        var app = builder.Build();
        LoopbackGuard.Check(urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            app.Services.GetRequiredService<IOptions<AuthOptions>>().Value);
        app.MapQwenRagApi();
        return app;
    }

    public static WebApplication MapQwenRagApi(this WebApplication app)
    {
        app.UseMiddleware<LoopbackConnections>();
        app.UseExceptionHandler();
        app.UseStatusCodePages(context => ProblemResponses.WriteStatusAsync(context.HttpContext));
        app.UseAuthentication();
        app.UseAuthorization();
        app.Use(JsonBodyLimit.ApplyAsync);

        var openApi = app.MapOpenApi();
        var scalar = app.MapScalarApiReference();
        if (!app.Services.GetRequiredService<IOptions<ApiOptions>>().Value.PublicDocs)
        {
            openApi.RequireAuthorization(ApiPolicies.Reader);
            scalar.RequireAuthorization(ApiPolicies.Reader);
        }

        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains("ready"),
            ResponseWriter = (context, report) => context.Response.WriteAsJsonAsync(new
            {
                status = report.Status.ToString(),
                checks = report.Entries.ToDictionary(entry => entry.Key, entry => entry.Value.Description),
                backends = context.RequestServices.GetRequiredService<BackendSummary>().Describe(),
                generation = report.Entries.TryGetValue(ReadinessCheck.Name, out var ready) && ready.Data.Count > 0 ? ready.Data : null,
            }),
        });

        app.MapMeApi();
        app.MapSetsApi();
        app.MapDocumentsApi();
        app.MapJobsApi();
        app.MapQueryApi();
        app.MapConsole();
        app.MapMetrics();
        return app;
    }
}
