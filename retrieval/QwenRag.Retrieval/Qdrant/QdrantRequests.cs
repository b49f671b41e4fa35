using System.Globalization;
using System.Text;
using Qdrant.Client.Grpc;
using QwenRag.Core;
using Filter = Qdrant.Client.Grpc.Filter;
using Match = Qdrant.Client.Grpc.Match;
using PointVectors = Qdrant.Client.Grpc.Vectors;
using ServerFusion = Qdrant.Client.Grpc.Fusion;

namespace QwenRag.Retrieval.Qdrant;

/// <summary>
/// Every message this project sends to Qdrant, built from Qdrant.Client's own request types and nothing else, so
/// that the mapping can be read and tested in one place. One collection per embedding model, reached through an
/// alias; the document set is a tenant keyword index; each point carries a <c>dense</c> and a sparse <c>bm25</c>
/// vector and the chunk as payload.
/// </summary>
public static class QdrantRequests
{
    public const string DenseVector = "dense";
    public const string SparseVector = "bm25";

    public const string SetField = "set";
    public const string DocumentIdField = "document_id";
    public const string DocumentNameField = "document_name";
    public const string ChunkIndexField = "chunk_index";
    public const string PageStartField = "page_start";
    public const string PageEndField = "page_end";
    public const string TagsField = "tags";
    public const string TextField = "text";

    /// <summary>
    /// The collection name for an embedding model: <c>{alias}-{model}-{dimensions}</c>, with a suffix when the same
    /// model is rebuilt beside a live collection.
    /// </summary>
    public static string CollectionName(string alias, string model, int dimensions, string? suffix = null)
    {
        var slug = new StringBuilder(model.Length);
        foreach (var c in model.ToLowerInvariant())
        {
            slug.Append(char.IsAsciiLetterOrDigit(c) ? c : '-');
        }

        var name = $"{alias}-{slug}-{dimensions.ToString(CultureInfo.InvariantCulture)}";
        return suffix is null ? name : $"{name}-{suffix}";
    }

    /// <summary>Whether <paramref name="collection"/> was named for this model and dimension by <see cref="CollectionName"/>.</summary>
    public static bool IsCollectionOf(string collection, string alias, string model, int dimensions)
    {
        var name = CollectionName(alias, model, dimensions);
        return collection == name || collection.StartsWith(name + "-", StringComparison.Ordinal);
    }

    /// <summary>
    /// A collection with a cosine <c>dense</c> vector (HNSW <c>m</c> and <c>ef_construct</c>, optional int8 scalar
    /// quantization) and a <c>bm25</c> sparse vector whose IDF the server computes; sharded and replicated as
    /// <see cref="QdrantOptions.Shards"/> and <see cref="QdrantOptions.ReplicationFactor"/> say.
    /// </summary>
    public static CreateCollection CreateCollection(string name, int dimensions, QdrantOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimensions);
        var dense = new VectorParams
        {
            Size = (ulong)dimensions,
            Distance = Distance.Cosine,
            HnswConfig = new HnswConfigDiff { M = (ulong)options.HnswM, EfConstruct = (ulong)options.HnswEfConstruct },
        };
        if (options.ScalarQuantization)
        {
            dense.QuantizationConfig = new QuantizationConfig
            {
                Scalar = new ScalarQuantization { Type = QuantizationType.Int8, Quantile = 0.99f },
            };
        }

        var create = new CreateCollection
        {
            CollectionName = name,
            VectorsConfig = new VectorsConfig { ParamsMap = new VectorParamsMap { Map = { [DenseVector] = dense } } },
            SparseVectorsConfig = new SparseVectorConfig
            {
                Map = { [SparseVector] = new SparseVectorParams { Modifier = Modifier.Idf } },
            },
        };

        // Unset ones stay absent from the request, so the server's defaults apply.
        if (options.Shards is { } shards)
        {
            create.ShardNumber = (uint)shards;
        }

        if (options.ReplicationFactor is { } replication)
        {
            create.ReplicationFactor = (uint)replication;
        }

        if (options.WriteConsistencyFactor is { } consistency)
        {
            create.WriteConsistencyFactor = (uint)consistency;
        }

        return create;
    }

    /// <summary>
    /// The payload indexes: the set as the tenant (Qdrant keeps each tenant's points together and plans filtered
    /// searches per tenant), document id and tags as keywords, pages as integers.
    /// </summary>
    public static IReadOnlyList<CreateFieldIndexCollection> PayloadIndexes(string collection) =>
    [
        new CreateFieldIndexCollection
        {
            CollectionName = collection, FieldName = SetField, FieldType = FieldType.Keyword, Wait = true,
            FieldIndexParams = new PayloadIndexParams { KeywordIndexParams = new KeywordIndexParams { IsTenant = true } },
        },
        new CreateFieldIndexCollection { CollectionName = collection, FieldName = DocumentIdField, FieldType = FieldType.Keyword, Wait = true },
        new CreateFieldIndexCollection { CollectionName = collection, FieldName = TagsField, FieldType = FieldType.Keyword, Wait = true },
        new CreateFieldIndexCollection { CollectionName = collection, FieldName = PageStartField, FieldType = FieldType.Integer, Wait = true },
        new CreateFieldIndexCollection { CollectionName = collection, FieldName = PageEndField, FieldType = FieldType.Integer, Wait = true },
    ];

    /// <summary>Points the alias at <paramref name="collection"/> in one atomic change, moving it off its old collection if it exists.</summary>
    public static ChangeAliases SwitchAlias(string alias, string collection, bool aliasExists)
    {
        var change = new ChangeAliases();
        if (aliasExists)
        {
            change.Actions.Add(new AliasOperations { DeleteAlias = new DeleteAlias { AliasName = alias } });
        }

        change.Actions.Add(new AliasOperations { CreateAlias = new CreateAlias { AliasName = alias, CollectionName = collection } });
        return change;
    }

    /// <summary>A chunk as a point: its deterministic UUID, both vectors and the chunk as payload.</summary>
    public static PointStruct Point(ChunkVector chunk, SparseTerms sparse)
    {
        var record = chunk.Chunk;
        var vectors = new NamedVectors
        {
            Vectors =
            {
                [DenseVector] = new Vector { Dense = new DenseVector { Data = { chunk.Vector.ToArray() } } },
            },
        };
        if (!sparse.IsEmpty)
        {
            vectors.Vectors[SparseVector] = new Vector { Sparse = new SparseVector { Indices = { sparse.Indices }, Values = { sparse.Values } } };
        }

        var tags = new ListValue();
        tags.Values.Add(record.Tags.Select(tag => new Value { StringValue = tag }));
        return new PointStruct
        {
            Id = new PointId { Uuid = record.Id.ToString() },
            Vectors = new PointVectors { Vectors_ = vectors },
            Payload =
            {
                [SetField] = record.Set,
                [DocumentIdField] = record.DocumentId,
                [DocumentNameField] = record.DocumentName,
                [ChunkIndexField] = record.Index,
                [PageStartField] = record.PageStart,
                [PageEndField] = record.PageEnd,
                [TagsField] = new Value { ListValue = tags },
                [TextField] = record.Text,
            },
        };
    }

    /// <summary>Upserts of at most <paramref name="batchSize"/> points each, acknowledged only once applied (<c>wait</c>).</summary>
    public static IEnumerable<UpsertPoints> Upserts(string collection, IReadOnlyList<PointStruct> points, int batchSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        foreach (var batch in points.Chunk(batchSize))
        {
            yield return new UpsertPoints { CollectionName = collection, Wait = true, Points = { batch } };
        }
    }

    /// <summary>
    /// The search filter: the set (always), any of the documents, and each tag (a point's tag list must hold it).
    /// </summary>
    public static Filter Filter(SearchFilter filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var result = new Filter { Must = { Keyword(SetField, filter.Set) } };
        if (filter.DocumentIds is { Count: > 0 } documents)
        {
            result.Must.Add(new Condition
            {
                Field = new FieldCondition { Key = DocumentIdField, Match = new Match { Keywords = new RepeatedStrings { Strings = { documents } } } },
            });
        }

        foreach (var tag in filter.Tags ?? [])
        {
            result.Must.Add(Keyword(TagsField, tag));
        }

        return result;
    }

    public static DeletePoints DeleteDocument(string collection, string set, string documentId) => new()
    {
        CollectionName = collection,
        Wait = true,
        Points = new PointsSelector { Filter = new Filter { Must = { Keyword(SetField, set), Keyword(DocumentIdField, documentId) } } },
    };

    public static DeletePoints DeleteSet(string collection, string set) => new()
    {
        CollectionName = collection,
        Wait = true,
        Points = new PointsSelector { Filter = new Filter { Must = { Keyword(SetField, set) } } },
    };

    /// <summary>Exact count of a set's points, or of one document's.</summary>
    public static CountPoints Count(string collection, string set, string? documentId = null)
    {
        var filter = new Filter { Must = { Keyword(SetField, set) } };
        if (documentId is not null)
        {
            filter.Must.Add(Keyword(DocumentIdField, documentId));
        }

        return new CountPoints { CollectionName = collection, Filter = filter, Exact = true };
    }

    /// <summary>The nearest chunks by the dense vector alone.</summary>
    public static QueryPoints DenseQuery(string collection, ReadOnlyMemory<float> vector, int top, SearchFilter filter) => new()
    {
        CollectionName = collection,
        Query = new Query { Nearest = new VectorInput { Dense = new DenseVector { Data = { vector.ToArray() } } } },
        Using = DenseVector,
        Filter = Filter(filter),
        Limit = (ulong)top,
        WithPayload = new WithPayloadSelector { Enable = true },
    };

    /// <summary>
    /// One hybrid request: a dense and a sparse prefetch, each filtered and <see cref="HybridQuery.CandidatesPerList"/>
    /// deep, fused by RRF on the server (<c>Fusion.Rrf</c>, or a parameterised RRF when <paramref name="rrfK"/> is set).
    /// A query without a keyword term has only the dense prefetch.
    /// </summary>
    public static QueryPoints HybridQuery(string collection, HybridQuery query, SparseTerms terms, SearchFilter filter, int? rrfK)
    {
        var conditions = Filter(filter);
        var request = new QueryPoints
        {
            CollectionName = collection,
            Prefetch =
            {
                new PrefetchQuery
                {
                    Query = new Query { Nearest = new VectorInput { Dense = new DenseVector { Data = { query.Vector.ToArray() } } } },
                    Using = DenseVector,
                    Filter = conditions,
                    Limit = (ulong)query.CandidatesPerList,
                },
            },
            Query = rrfK is { } k ? new Query { Rrf = new Rrf { K = (uint)k } } : new Query { Fusion = ServerFusion.Rrf },
            Limit = (ulong)query.Top,
            WithPayload = new WithPayloadSelector { Enable = true },
        };
        if (!terms.IsEmpty)
        {
            request.Prefetch.Add(new PrefetchQuery
            {
                Query = new Query { Nearest = new VectorInput { Sparse = new SparseVector { Indices = { terms.Indices }, Values = { terms.Values } } } },
                Using = SparseVector,
                Filter = conditions,
                Limit = (ulong)query.CandidatesPerList,
            });
        }

        return request;
    }

    /// <summary>The chunk a point's payload holds.</summary>
    /// <exception cref="FormatException">The point was not written by this project (a payload field is missing).</exception>
    public static ChunkRecord Chunk(PointId id, IReadOnlyDictionary<string, Value> payload)
    {
        return new ChunkRecord(
            Guid.Parse(id.Uuid),
            Text(SetField),
            Text(DocumentIdField),
            Text(DocumentNameField),
            (int)Number(ChunkIndexField),
            (int)Number(PageStartField),
            (int)Number(PageEndField),
            Text(TextField),
            payload.TryGetValue(TagsField, out var tags) && tags.KindCase == Value.KindOneofCase.ListValue
                ? tags.ListValue.Values.Select(v => v.StringValue).ToArray()
                : []);

        Value Field(string name, Value.KindOneofCase kind) =>
            !payload.TryGetValue(name, out var value) ? throw new FormatException($"Point {id.Uuid} has no '{name}' payload.")
            : value.KindCase != kind ? throw new FormatException($"Point {id.Uuid} has a '{name}' payload of kind {value.KindCase}, not {kind}.")
            : value;

        string Text(string name) => Field(name, Value.KindOneofCase.StringValue).StringValue;

        long Number(string name) => Field(name, Value.KindOneofCase.IntegerValue).IntegerValue;
    }

    private static Condition Keyword(string field, string value) =>
        new() { Field = new FieldCondition { Key = field, Match = new Match { Keyword = value } } };
}
