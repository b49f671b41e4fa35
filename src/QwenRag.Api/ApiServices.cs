using System.Text.Json;
using System.Text.Json.Serialization;
using FluentValidation;
using Mediator;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using QwenRag.Api.Auth;
using QwenRag.Api.Problems;
using QwenRag.Api.Validation;
using QwenRag.Core;
using QwenRag.Core.Postgres;
using QwenRag.Hosting;
using QwenRag.Hosting.Worker;
using QwenRag.Ingestion.Postgres;
using QwenRag.Retrieval.Qdrant;
using QwenRag.Retrieval.Reranking;

namespace QwenRag.Api;

public static class ApiServices
{
    public static WebApplicationBuilder AddQwenRagApi(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        var dataOptions = builder.Configuration.GetSection(DataOptions.SectionName).Get<DataOptions>();
        var data = DataDirectory.Resolve(dataOptions?.DataDirectory);
        var generation = GenerationOptions.Read(builder.Configuration);
        var model = generation.ModelOptions(dataOptions?.ModelDirectory);
        var chat = ChatEndpointOptions.Read(builder.Configuration);
        var compute = ComputeOptions.Read(builder.Configuration);
        services.AddQwenRag(data, model: model, compute: compute, chat: chat);
        compute.ApplyToThreadPool();
        if (model is not null && chat is null)
        {
            services.AddHostedService<ModelStartup>();
        }

        services.AddHostedService<RerankerStartup>();

        services.AddIngestionWorker(builder.Configuration.GetSection("QwenRag:Worker").Get<IngestionWorkerOptions>());
        builder.AddApiTelemetry();

        services.AddOptions<ApiOptions>().BindConfiguration(ApiOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<AuthOptions>, AuthOptions.Validator>();
        services.AddHostedService<LoopbackStartupCheck>();

        services.AddMediator((MediatorOptions options) =>
        {
            options.ServiceLifetime = ServiceLifetime.Singleton;
            options.PipelineBehaviors = [typeof(ValidationBehavior<,>)];
            options.StreamPipelineBehaviors = [typeof(StreamValidationBehavior<,>)];
        });
        services.AddValidatorsFromAssemblyContaining<ApiOptions>(ServiceLifetime.Singleton, includeInternalTypes: true);

        services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        services.AddAuthorizationBuilder()
            .AddPolicy(ApiPolicies.Reader, policy => policy.RequireRole("reader", "admin"))
            .AddPolicy(ApiPolicies.Admin, policy => policy.RequireRole("admin"));

        services.AddProblemDetails();
        services.AddExceptionHandler<ProblemExceptionHandler>();
        services.ConfigureHttpJsonOptions(json =>
            json.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase)));
        var health = services.AddHealthChecks()
            .AddCheck<ReadinessCheck>(ReadinessCheck.Name, tags: ["ready"])
            .AddCheck<VectorStoreHealthCheck>("vectors", tags: ["ready"]);
        if (builder.Configuration.GetSection(PostgresOptions.SectionName).Get<PostgresOptions>() is { Enabled: true })
        {
            health.AddCheck<PostgresHealthCheck>("postgres", tags: ["ready"]);
        }

        services.AddOpenApi();
        return builder;
    }
}
