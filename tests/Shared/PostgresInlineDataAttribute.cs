using System.Reflection;
using Xunit.Sdk;

namespace QwenRag.Tests;

/// <summary>
/// One row of theory data for a run against PostgreSQL (<see cref="PostgresCluster"/>), next to the rows of other
/// stores; the row is skipped, with the reason, where the cluster cannot start.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
public sealed class PostgresInlineDataAttribute : DataAttribute
{
    private readonly object[] _data;

    public PostgresInlineDataAttribute(params object[] data)
    {
        _data = data;
        Skip = PostgresCluster.SkipReason;
    }

    public override IEnumerable<object[]> GetData(MethodInfo testMethod) => [_data];
}
