using Qdrant.Client.Grpc;
using QwenRag.Core;
using QwenRag.Retrieval.Qdrant;
using ServerFusion = Qdrant.Client.Grpc.Fusion;

namespace QwenRag.Retrieval.Tests.Qdrant;

/// <summary>The mapping of the vector-store contract onto Qdrant.Client's own request messages.</summary>
public sealed class QdrantRequestsTests
{
    private static readonly SparseTerms Terms = new([3u, 70u, 4_000_000_000u], [0.5f, 1.25f, 2f]);

    [Fact]
    public void CreateCollection_Defaults_DenseCosineWithHnswAndIdfSparseWithoutQuantization()
    {
        var create = QdrantRequests.CreateCollection("qwenrag-minilm-384", 384, new QdrantOptions());

        Assert.Equal("qwenrag-minilm-384", create.CollectionName);
        Assert.Equal(VectorsConfig.ConfigOneofCase.ParamsMap, create.VectorsConfig.ConfigCase);
        var dense = Assert.Single(create.VectorsConfig.ParamsMap.Map);
        Assert.Equal(QdrantRequests.DenseVector, dense.Key);
        Assert.Equal(384ul, dense.Value.Size);
        Assert.Equal(Distance.Cosine, dense.Value.Distance);
        Assert.True(dense.Value.HnswConfig.HasM);
        Assert.Equal(16ul, dense.Value.HnswConfig.M);
        Assert.Equal(100ul, dense.Value.HnswConfig.EfConstruct);
        Assert.Null(dense.Value.QuantizationConfig);
        var sparse = Assert.Single(create.SparseVectorsConfig.Map);
        Assert.Equal(QdrantRequests.SparseVector, sparse.Key);
        Assert.Equal("bm25", sparse.Key);
        Assert.True(sparse.Value.HasModifier);
        Assert.Equal(Modifier.Idf, sparse.Value.Modifier);
    }

    [Fact]
    public void CreateCollection_Options_SetHnswAndInt8Quantization()
    {
        var options = new QdrantOptions { HnswM = 32, HnswEfConstruct = 256, ScalarQuantization = true };

        var dense = QdrantRequests.CreateCollection("c", 768, options).VectorsConfig.ParamsMap.Map[QdrantRequests.DenseVector];

        Assert.Equal(768ul, dense.Size);
        Assert.Equal(32ul, dense.HnswConfig.M);
        Assert.Equal(256ul, dense.HnswConfig.EfConstruct);
        Assert.Equal(QuantizationConfig.QuantizationOneofCase.Scalar, dense.QuantizationConfig.QuantizationCase);
        Assert.Equal(QuantizationType.Int8, dense.QuantizationConfig.Scalar.Type);
        Assert.InRange(dense.QuantizationConfig.Scalar.Quantile, 0.9f, 1f);
    }

    [Fact]
    public void CreateCollection_Defaults_LeaveShardingAndReplicationToTheServer()
    {
        var create = QdrantRequests.CreateCollection("c", 384, new QdrantOptions());

        Assert.False(create.HasShardNumber);
        Assert.False(create.HasReplicationFactor);
        Assert.False(create.HasWriteConsistencyFactor);
    }

    [Fact]
    public void CreateCollection_ShardsAndReplication_AreSent()
    {
        var options = new QdrantOptions { Shards = 6, ReplicationFactor = 2, WriteConsistencyFactor = 1 };

        var create = QdrantRequests.CreateCollection("c", 384, options);

        Assert.Equal(6u, create.ShardNumber);
        Assert.Equal(2u, create.ReplicationFactor);
        Assert.Equal(1u, create.WriteConsistencyFactor);
    }

    [Theory]
    [InlineData(0, null, null, "Shards")]
    [InlineData(null, 0, null, "ReplicationFactor")]
    [InlineData(null, 2, 3, "WriteConsistencyFactor")]
    [InlineData(null, null, 2, "WriteConsistencyFactor")]
    public void Validator_ShardingOutOfRange_NamesTheSetting(int? shards, int? replication, int? consistency, string setting)
    {
        var options = new QdrantOptions { Shards = shards, ReplicationFactor = replication, WriteConsistencyFactor = consistency };

        var result = new QdrantOptions.Validator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, failure => failure.StartsWith($"QwenRag:Qdrant:{setting} ", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void CreateCollection_NoDimensions_Throws(int dimensions) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => QdrantRequests.CreateCollection("c", dimensions, new QdrantOptions()));

    [Fact]
    public void PayloadIndexes_SetIsTenantKeyword_DocumentAndTagsKeyword_PagesInteger()
    {
        var indexes = QdrantRequests.PayloadIndexes("col");

        Assert.All(indexes, index => Assert.Equal("col", index.CollectionName));
        Assert.All(indexes, index => Assert.True(index.Wait));
        Assert.Equal(
            ["set", "document_id", "tags", "page_start", "page_end"],
            indexes.Select(index => index.FieldName));
        var byField = indexes.ToDictionary(index => index.FieldName);
        Assert.Equal(FieldType.Keyword, byField["set"].FieldType);
        Assert.True(byField["set"].FieldIndexParams.KeywordIndexParams.HasIsTenant);
        Assert.True(byField["set"].FieldIndexParams.KeywordIndexParams.IsTenant);
        Assert.Equal(FieldType.Keyword, byField["document_id"].FieldType);
        Assert.Equal(FieldType.Keyword, byField["tags"].FieldType);
        Assert.Equal(FieldType.Integer, byField["page_start"].FieldType);
        Assert.Equal(FieldType.Integer, byField["page_end"].FieldType);
        Assert.All(indexes.Where(index => index.FieldName != "set"), index => Assert.Null(index.FieldIndexParams));
    }

    [Fact]
    public void SwitchAlias_AliasExists_DeletesAndCreatesInOneChange()
    {
        var change = QdrantRequests.SwitchAlias("qwenrag", "qwenrag-new-384", aliasExists: true);

        Assert.Equal(2, change.Actions.Count);
        Assert.Equal(AliasOperations.ActionOneofCase.DeleteAlias, change.Actions[0].ActionCase);
        Assert.Equal("qwenrag", change.Actions[0].DeleteAlias.AliasName);
        Assert.Equal(AliasOperations.ActionOneofCase.CreateAlias, change.Actions[1].ActionCase);
        Assert.Equal("qwenrag", change.Actions[1].CreateAlias.AliasName);
        Assert.Equal("qwenrag-new-384", change.Actions[1].CreateAlias.CollectionName);
    }

    [Fact]
    public void SwitchAlias_NoAlias_OnlyCreates()
    {
        var change = QdrantRequests.SwitchAlias("qwenrag", "qwenrag-m-384", aliasExists: false);

        var action = Assert.Single(change.Actions);
        Assert.Equal(AliasOperations.ActionOneofCase.CreateAlias, action.ActionCase);
        Assert.Equal("qwenrag", action.CreateAlias.AliasName);
        Assert.Equal("qwenrag-m-384", action.CreateAlias.CollectionName);
    }

    [Fact]
    public void Point_Chunk_UuidNamedVectorsAndEveryPayloadField()
    {
        var chunk = Vector(Record("p1", tags: ["linux", "perf tuning"]), [0.25f, -0.5f, 1f]);

        var point = QdrantRequests.Point(chunk, Terms);

        Assert.Equal(PointId.PointIdOptionsOneofCase.Uuid, point.Id.PointIdOptionsCase);
        Assert.Equal(chunk.Chunk.Id, Guid.Parse(point.Id.Uuid));
        var vectors = point.Vectors.Vectors_.Vectors;
        Assert.Equal(["bm25", "dense"], vectors.Keys.Order(StringComparer.Ordinal));
        Assert.Equal([0.25f, -0.5f, 1f], vectors["dense"].Dense.Data);
        Assert.Equal(Terms.Indices, vectors["bm25"].Sparse.Indices);
        Assert.Equal(Terms.Values, vectors["bm25"].Sparse.Values);

        var payload = point.Payload;
        Assert.Equal(
            ["chunk_index", "document_id", "document_name", "page_end", "page_start", "set", "tags", "text"],
            payload.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("docs", payload["set"].StringValue);
        Assert.Equal("doc-7", payload["document_id"].StringValue);
        Assert.Equal("paper.pdf", payload["document_name"].StringValue);
        Assert.Equal(Value.KindOneofCase.IntegerValue, payload["chunk_index"].KindCase);
        Assert.Equal(4L, payload["chunk_index"].IntegerValue);
        Assert.Equal(7L, payload["page_start"].IntegerValue);
        Assert.Equal(8L, payload["page_end"].IntegerValue);
        Assert.Equal("Text of p1.", payload["text"].StringValue);
        Assert.Equal(Value.KindOneofCase.ListValue, payload["tags"].KindCase);
        Assert.Equal(["linux", "perf tuning"], payload["tags"].ListValue.Values.Select(v => v.StringValue));
    }

    [Fact]
    public void Point_NoTagsAndNoSparseTerms_EmptyTagListAndDenseOnly()
    {
        var point = QdrantRequests.Point(Vector(Record("p2"), [1f]), new SparseTerms([], []));

        Assert.Equal(["dense"], point.Vectors.Vectors_.Vectors.Keys);
        Assert.Equal(Value.KindOneofCase.ListValue, point.Payload["tags"].KindCase);
        Assert.Empty(point.Payload["tags"].ListValue.Values);
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(1, 1)]
    [InlineData(256, 1)]
    [InlineData(257, 2)]
    [InlineData(513, 3)]
    public void Upserts_BatchesOf256_EveryPointOnceAndWaited(int count, int requests)
    {
        var points = Enumerable.Range(0, count)
            .Select(i => QdrantRequests.Point(Vector(Record($"u{i}"), [1f, 0f]), Terms))
            .ToList();

        var upserts = QdrantRequests.Upserts("qwenrag", points, 256).ToList();

        Assert.Equal(requests, upserts.Count);
        Assert.All(upserts, upsert => Assert.True(upsert.Wait));
        Assert.All(upserts, upsert => Assert.Equal("qwenrag", upsert.CollectionName));
        Assert.All(upserts, upsert => Assert.InRange(upsert.Points.Count, 1, 256));
        Assert.All(upserts.SkipLast(1), upsert => Assert.Equal(256, upsert.Points.Count));
        Assert.Equal(points.Select(p => p.Id.Uuid), upserts.SelectMany(u => u.Points).Select(p => p.Id.Uuid));
    }

    [Fact]
    public void Upserts_InvalidBatchSize_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => QdrantRequests.Upserts("c", [], 0).ToList());

    [Fact]
    public void Filter_SetOnly_OneKeywordMust()
    {
        var filter = QdrantRequests.Filter(new SearchFilter("docs"));

        AssertKeyword(Assert.Single(filter.Must), "set", "docs");
        Assert.Empty(filter.Should);
        Assert.Empty(filter.MustNot);
    }

    [Fact]
    public void Filter_EmptyDocumentsAndTags_AreIgnored()
    {
        var filter = QdrantRequests.Filter(new SearchFilter("docs") { DocumentIds = [], Tags = [] });

        AssertKeyword(Assert.Single(filter.Must), "set", "docs");
    }

    [Fact]
    public void Filter_Documents_OneKeywordsMatchOfAll()
    {
        var filter = QdrantRequests.Filter(new SearchFilter("docs") { DocumentIds = ["d1", "d2", "d3"] });

        Assert.Equal(2, filter.Must.Count);
        AssertKeyword(filter.Must[0], "set", "docs");
        var documents = filter.Must[1].Field;
        Assert.Equal("document_id", documents.Key);
        Assert.Equal(Match.MatchValueOneofCase.Keywords, documents.Match.MatchValueCase);
        Assert.Equal(["d1", "d2", "d3"], documents.Match.Keywords.Strings);
    }

    [Fact]
    public void Filter_Tags_EachTagItsOwnMust()
    {
        var filter = QdrantRequests.Filter(new SearchFilter("docs") { DocumentIds = ["d1"], Tags = ["linux", "perf"] });

        Assert.Equal(4, filter.Must.Count);
        AssertKeyword(filter.Must[0], "set", "docs");
        Assert.Equal(["d1"], filter.Must[1].Field.Match.Keywords.Strings);
        AssertKeyword(filter.Must[2], "tags", "linux");
        AssertKeyword(filter.Must[3], "tags", "perf");
    }

    [Fact]
    public void DeleteDocument_FiltersBySetAndDocument()
    {
        var delete = QdrantRequests.DeleteDocument("qwenrag", "docs", "d1");

        Assert.Equal("qwenrag", delete.CollectionName);
        Assert.True(delete.Wait);
        Assert.Equal(PointsSelector.PointsSelectorOneOfOneofCase.Filter, delete.Points.PointsSelectorOneOfCase);
        var must = delete.Points.Filter.Must;
        Assert.Equal(2, must.Count);
        AssertKeyword(must[0], "set", "docs");
        AssertKeyword(must[1], "document_id", "d1");
    }

    [Fact]
    public void DeleteSet_FiltersBySetOnly()
    {
        var delete = QdrantRequests.DeleteSet("qwenrag", "docs");

        Assert.Equal("qwenrag", delete.CollectionName);
        Assert.True(delete.Wait);
        AssertKeyword(Assert.Single(delete.Points.Filter.Must), "set", "docs");
    }

    [Fact]
    public void Count_SetAndDocument_ExactAndFiltered()
    {
        var set = QdrantRequests.Count("qwenrag", "docs");
        var document = QdrantRequests.Count("qwenrag", "docs", "d1");

        Assert.True(set.Exact);
        AssertKeyword(Assert.Single(set.Filter.Must), "set", "docs");
        Assert.True(document.Exact);
        Assert.Equal(2, document.Filter.Must.Count);
        AssertKeyword(document.Filter.Must[1], "document_id", "d1");
    }

    [Fact]
    public void DenseQuery_NearestDenseFilteredWithPayload()
    {
        var filter = new SearchFilter("docs") { Tags = ["linux"] };

        var query = QdrantRequests.DenseQuery("qwenrag", new float[] { 0.5f, 0.5f }, 7, filter);

        Assert.Equal("qwenrag", query.CollectionName);
        Assert.Equal(Query.VariantOneofCase.Nearest, query.Query.VariantCase);
        Assert.Equal([0.5f, 0.5f], query.Query.Nearest.Dense.Data);
        Assert.Equal("dense", query.Using);
        Assert.Equal(7ul, query.Limit);
        Assert.True(query.WithPayload.Enable);
        Assert.Empty(query.Prefetch);
        Assert.Equal(QdrantRequests.Filter(filter), query.Filter);
    }

    [Fact]
    public void HybridQuery_DenseAndSparsePrefetches_FusedByRrf()
    {
        var filter = new SearchFilter("docs") { DocumentIds = ["d1"], Tags = ["linux"] };
        var hybrid = new HybridQuery("cpu governor", new float[] { 1f, 0f, 0f }, 5, 40);

        var query = QdrantRequests.HybridQuery("qwenrag", hybrid, Terms, filter, rrfK: null);

        Assert.Equal("qwenrag", query.CollectionName);
        Assert.Equal(2, query.Prefetch.Count);
        var dense = query.Prefetch.Single(p => p.Using == "dense");
        var sparse = query.Prefetch.Single(p => p.Using == "bm25");
        Assert.Equal([1f, 0f, 0f], dense.Query.Nearest.Dense.Data);
        Assert.Equal(Terms.Indices, sparse.Query.Nearest.Sparse.Indices);
        Assert.Equal(Terms.Values, sparse.Query.Nearest.Sparse.Values);
        var expectedFilter = QdrantRequests.Filter(filter);
        Assert.All(query.Prefetch, prefetch => Assert.Equal(expectedFilter, prefetch.Filter));
        Assert.All(query.Prefetch, prefetch => Assert.Equal(40ul, prefetch.Limit));
        Assert.True(query.Query.HasFusion);
        Assert.Equal(ServerFusion.Rrf, query.Query.Fusion);
        Assert.Equal(5ul, query.Limit);
        Assert.True(query.WithPayload.Enable);
    }

    [Fact]
    public void HybridQuery_RrfK_ParameterisedRrf()
    {
        var query = QdrantRequests.HybridQuery("qwenrag", new HybridQuery("q", new float[] { 1f }, 3, 10), Terms, new SearchFilter("docs"), rrfK: 60);

        Assert.False(query.Query.HasFusion);
        Assert.Equal(Query.VariantOneofCase.Rrf, query.Query.VariantCase);
        Assert.Equal(60u, query.Query.Rrf.K);
        Assert.Equal(3ul, query.Limit);
    }

    [Fact]
    public void HybridQuery_NoSparseTerms_OnlyDensePrefetch()
    {
        var query = QdrantRequests.HybridQuery(
            "qwenrag", new HybridQuery("the of", new float[] { 1f }, 3, 10), new SparseTerms([], []), new SearchFilter("docs"), rrfK: null);

        var prefetch = Assert.Single(query.Prefetch);
        Assert.Equal("dense", prefetch.Using);
        Assert.Equal(10ul, prefetch.Limit);
        Assert.Equal(ServerFusion.Rrf, query.Query.Fusion);
    }

    [Fact]
    public void Chunk_PointPayload_RoundTripsEveryField()
    {
        var record = Record("r1", tags: ["a", "b c"]);
        var point = QdrantRequests.Point(Vector(record, [1f]), Terms);

        var chunk = QdrantRequests.Chunk(point.Id, point.Payload);

        Assert.Equal(record with { Tags = chunk.Tags }, chunk);
        Assert.Equal(["a", "b c"], chunk.Tags);
    }

    [Fact]
    public void Chunk_NoTagsPayload_HasNoTags()
    {
        var point = QdrantRequests.Point(Vector(Record("r2", tags: ["x"]), [1f]), Terms);
        point.Payload.Remove("tags");

        Assert.Empty(QdrantRequests.Chunk(point.Id, point.Payload).Tags);
    }

    [Theory]
    [InlineData("set")]
    [InlineData("document_id")]
    [InlineData("document_name")]
    [InlineData("chunk_index")]
    [InlineData("page_start")]
    [InlineData("page_end")]
    [InlineData("text")]
    public void Chunk_MissingPayloadField_FormatExceptionNamingIt(string field)
    {
        var point = QdrantRequests.Point(Vector(Record("r3"), [1f]), Terms);
        point.Payload.Remove(field);

        var error = Assert.Throws<FormatException>(() => QdrantRequests.Chunk(point.Id, point.Payload));

        Assert.Contains($"'{field}'", error.Message, StringComparison.Ordinal);
        Assert.Contains(point.Id.Uuid, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CollectionName_ModelSlugAndDimensions()
    {
        Assert.Equal("qwenrag-all-minilm-l6-v2-384", QdrantRequests.CollectionName("qwenrag", "all-MiniLM-L6-v2", 384));
        Assert.Equal("qwenrag-sentence-transformers-all-minilm-l6-v2-384", QdrantRequests.CollectionName("qwenrag", "sentence-transformers/all-MiniLM-L6-v2", 384));
        Assert.Equal("idx-bge-m3-1024-20250101", QdrantRequests.CollectionName("idx", "bge.m3", 1024, "20250101"));
    }

    [Theory]
    [InlineData("qwenrag-all-minilm-l6-v2-384", true)]
    [InlineData("qwenrag-all-minilm-l6-v2-384-20250101", true)]
    [InlineData("qwenrag-all-minilm-l6-v2-768", false)]
    [InlineData("qwenrag-all-minilm-l6-v2-3840", false)]
    [InlineData("qwenrag-bge-m3-384", false)]
    [InlineData("other-all-minilm-l6-v2-384", false)]
    public void IsCollectionOf_NameAndSuffix(string collection, bool expected) =>
        Assert.Equal(expected, QdrantRequests.IsCollectionOf(collection, "qwenrag", "all-MiniLM-L6-v2", 384));

    internal static ChunkRecord Record(string name, string set = "docs", string document = "doc-7", params string[] tags) =>
        new(TestChunkIds.Of(name), set, document, "paper.pdf", 4, 7, 8, $"Text of {name}.", tags);

    internal static ChunkVector Vector(ChunkRecord record, float[] vector) => new(record, vector);

    private static void AssertKeyword(Condition condition, string field, string value)
    {
        Assert.Equal(Condition.ConditionOneOfOneofCase.Field, condition.ConditionOneOfCase);
        Assert.Equal(field, condition.Field.Key);
        Assert.Equal(Match.MatchValueOneofCase.Keyword, condition.Field.Match.MatchValueCase);
        Assert.Equal(value, condition.Field.Match.Keyword);
    }
}
