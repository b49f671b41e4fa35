using System.Collections;
using System.ComponentModel;
using System.Reflection;

namespace QwenRag.Api.Tests.Deploy;

/// <summary>
/// Every configuration key the service binds, found by reflection rather than listed: each type in the QwenRag
/// assemblies with a <c>public const string SectionName</c> is walked the way the configuration binder walks it
/// (settable properties; nested objects; list and array items and dictionary entries as a <c>*</c> segment).
/// </summary>
internal static class BoundConfigurationKeys
{
    private static readonly Lazy<IReadOnlyList<string>> PatternList = new(Find);

    /// <summary>Keys with <c>*</c> for an index or dictionary key, e.g. <c>QwenRag:Auth:Keys:*:Role</c>.</summary>
    public static IReadOnlyList<string> Patterns => PatternList.Value;

    /// <summary>The options classes the patterns came from.</summary>
    public static IReadOnlyList<Type> OptionsTypes { get; } = FindOptionsTypes();

    /// <summary>Whether <paramref name="key"/> (colon-separated, any case) is a setting some options class binds.</summary>
    public static bool IsBound(string key)
    {
        var segments = key.Split(':');
        return Patterns.Any(pattern => Matches(pattern.Split(':'), segments));
    }

    private static bool Matches(string[] pattern, string[] segments) =>
        pattern.Length == segments.Length
        && pattern.Zip(segments).All(pair => pair.First == "*"
            ? pair.Second.Length > 0
            : string.Equals(pair.First, pair.Second, StringComparison.OrdinalIgnoreCase));

    private static List<string> Find()
    {
        var patterns = new List<string>();
        foreach (var type in OptionsTypes)
        {
            var section = (string)type.GetField("SectionName", BindingFlags.Public | BindingFlags.Static)!.GetRawConstantValue()!;
            Walk(type, section, patterns, depth: 0);
        }

        return patterns;
    }

    private static Type[] FindOptionsTypes() =>
        QwenRagAssemblies()
            .SelectMany(LoadableTypes)
            .Where(HasSectionName)
            .OrderBy(type => type.FullName, StringComparer.Ordinal)
            .ToArray();

    private static bool HasSectionName(Type type) =>
        type.GetField("SectionName", BindingFlags.Public | BindingFlags.Static | BindingFlags.DeclaredOnly) is { IsLiteral: true } field
        && field.FieldType == typeof(string);

    /// <summary>The API's assembly and every QwenRag assembly it references, directly or not.</summary>
    private static List<Assembly> QwenRagAssemblies()
    {
        var found = new Dictionary<string, Assembly>(StringComparer.Ordinal);
        var pending = new Stack<Assembly>([typeof(QwenRagApi).Assembly]);
        while (pending.TryPop(out var assembly))
        {
            if (!found.TryAdd(assembly.GetName().Name!, assembly))
            {
                continue;
            }

            foreach (var reference in assembly.GetReferencedAssemblies())
            {
                if (reference.Name!.StartsWith("QwenRag.", StringComparison.Ordinal) && !found.ContainsKey(reference.Name))
                {
                    pending.Push(Assembly.Load(reference));
                }
            }
        }

        return [.. found.Values];
    }

    private static IEnumerable<Type> LoadableTypes(Assembly assembly)
    {
        try
        {
            return assembly.GetTypes();
        }
        catch (ReflectionTypeLoadException ex)
        {
            return ex.Types.OfType<Type>();
        }
    }

    private static void Walk(Type type, string prefix, List<string> patterns, int depth)
    {
        // Options are shallow; a cycle (a type holding itself) would otherwise recurse forever.
        if (depth > 8)
        {
            return;
        }

        if (IsLeaf(type))
        {
            patterns.Add(prefix);
            return;
        }

        if (ItemType(type) is { } item)
        {
            Walk(item, prefix + ":*", patterns, depth + 1);
            return;
        }

        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetIndexParameters().Length > 0)
            {
                continue;
            }

            // The binder sets a property with a public setter (init included), and fills a read-only object or
            // collection in place; a read-only value (e.g. a computed Enabled) is not bound.
            var settable = property.SetMethod?.IsPublic == true;
            if (settable || (property.GetMethod?.IsPublic == true && !IsLeaf(property.PropertyType)))
            {
                Walk(property.PropertyType, $"{prefix}:{property.Name}", patterns, depth + 1);
            }
        }
    }

    /// <summary>A value the binder converts from one string: primitives, enums, strings, TimeSpan, Uri and the like.</summary>
    private static bool IsLeaf(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        return type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal)
            || TypeDescriptor.GetConverter(type).CanConvertFrom(typeof(string));
    }

    /// <summary>The item type of an array, list or other collection, or the value type of a dictionary; else null.</summary>
    private static Type? ItemType(Type type)
    {
        if (type.IsArray)
        {
            return type.GetElementType();
        }

        if (!typeof(IEnumerable).IsAssignableFrom(type))
        {
            return null;
        }

        var interfaces = type.IsInterface ? [type, .. type.GetInterfaces()] : type.GetInterfaces();
        var dictionary = interfaces.FirstOrDefault(i => i.IsGenericType
            && (i.GetGenericTypeDefinition() == typeof(IDictionary<,>) || i.GetGenericTypeDefinition() == typeof(IReadOnlyDictionary<,>)));
        if (dictionary is not null)
        {
            return dictionary.GetGenericArguments()[1];
        }

        return interfaces.FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>))?.GetGenericArguments()[0];
    }
}
