using Qdrant.Client.Grpc;

namespace QwenRag.Retrieval.Qdrant;

/// <summary>
/// The collections behind the alias: finds the one the alias points at and checks it fits the embedding model, or
/// creates it; builds a new one beside it for a re-index, switches the alias to it in one atomic call, and drops
/// the old one.
/// </summary>
public sealed class QdrantCollections(QdrantConnection connection, QdrantOptions options)
{
    public string Alias => options.Alias;

    /// <summary>The collection the alias points at, or null when there is no alias yet.</summary>
    public async Task<string?> FindAliasTargetAsync(CancellationToken cancellationToken)
    {
        var aliases = await connection.CallAsync(
            "listing aliases", (c, deadline, token) => c.Collections.ListAliasesAsync(new ListAliasesRequest(), deadline: deadline, cancellationToken: token), cancellationToken).ConfigureAwait(false);
        return aliases.Aliases.FirstOrDefault(a => a.AliasName == Alias)?.CollectionName;
    }

    /// <summary>
    /// Makes sure the alias points at a collection that fits <paramref name="model"/>, creating the collection
    /// and the alias the first time; returns the collection's name.
    /// </summary>
    /// <exception cref="InvalidOperationException">The alias points at a collection of another model or shape.</exception>
    public async Task<string> EnsureAsync(EmbeddingModel model, CancellationToken cancellationToken)
    {
        if (await FindAliasTargetAsync(cancellationToken) is { } existing)
        {
            await VerifyAsync(existing, model, cancellationToken).ConfigureAwait(false);
            return existing;
        }

        var name = QdrantRequests.CollectionName(Alias, model.Name, model.Dimensions);
        await CreateAsync(name, model, cancellationToken).ConfigureAwait(false);
        try
        {
            await SwitchAliasAsync(name, aliasExists: false, cancellationToken).ConfigureAwait(false);
        }
        catch (Core.VectorStoreException)
        {
            // Another process created the alias meanwhile: take what it points at, if that fits.
            var target = await FindAliasTargetAsync(cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"Qdrant at {connection.Url}: alias '{Alias}' could not be created.");
            await VerifyAsync(target, model, cancellationToken).ConfigureAwait(false);
            return target;
        }

        return name;
    }

    /// <summary>Creates <paramref name="name"/> with its vectors and payload indexes, unless it exists (then it is checked).</summary>
    public async Task CreateAsync(string name, EmbeddingModel model, CancellationToken cancellationToken)
    {
        var exists = await connection.CallAsync(
            $"checking collection '{name}'",
            (c, deadline, token) => c.Collections.CollectionExistsAsync(new CollectionExistsRequest { CollectionName = name }, deadline: deadline, cancellationToken: token),
            cancellationToken).ConfigureAwait(false);
        if (exists.Result.Exists)
        {
            await VerifyAsync(name, model, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            try
            {
                var request = QdrantRequests.CreateCollection(name, model.Dimensions, options);
                await connection.CallAsync(
                    $"creating collection '{name}'", (c, deadline, token) => c.Collections.CreateAsync(request, deadline: deadline, cancellationToken: token), cancellationToken).ConfigureAwait(false);
            }
            catch (Core.VectorStoreException)
            {
                // Lost a race with another process creating it: fine if what it created fits.
                await VerifyAsync(name, model, cancellationToken).ConfigureAwait(false);
            }
        }

        foreach (var index in QdrantRequests.PayloadIndexes(name))
        {
            await connection.CallAsync(
                $"indexing payload '{index.FieldName}' of '{name}'",
                (c, deadline, token) => c.Points.CreateFieldIndexAsync(index, deadline: deadline, cancellationToken: token),
                cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Points the alias at <paramref name="collection"/> in one <c>UpdateAliases</c> call.</summary>
    public Task SwitchAliasAsync(string collection, bool aliasExists, CancellationToken cancellationToken)
    {
        var change = QdrantRequests.SwitchAlias(Alias, collection, aliasExists);
        return connection.CallAsync(
            $"pointing alias '{Alias}' at '{collection}'",
            (c, deadline, token) => c.Collections.UpdateAliasesAsync(change, deadline: deadline, cancellationToken: token),
            cancellationToken);
    }

    public Task DropAsync(string collection, CancellationToken cancellationToken) => connection.CallAsync(
        $"dropping collection '{collection}'",
        (c, deadline, token) => c.Collections.DeleteAsync(new DeleteCollection { CollectionName = collection }, deadline: deadline, cancellationToken: token),
        cancellationToken);

    /// <summary>Checks that <paramref name="collection"/> was built for <paramref name="model"/>, naming both sides when not.</summary>
    /// <exception cref="InvalidOperationException">It was not.</exception>
    public async Task VerifyAsync(string collection, EmbeddingModel model, CancellationToken cancellationToken)
    {
        var info = await connection.CallAsync(
            $"reading collection '{collection}'",
            (c, deadline, token) => c.Collections.GetAsync(new GetCollectionInfoRequest { CollectionName = collection }, deadline: deadline, cancellationToken: token),
            cancellationToken).ConfigureAwait(false);
        if (Mismatch(collection, info.Result.Config.Params, model) is { } mismatch)
        {
            throw new InvalidOperationException($"Qdrant at {connection.Url}: {mismatch}");
        }
    }

    /// <summary>What in <paramref name="parameters"/> does not fit <paramref name="model"/>, or null when it fits.</summary>
    public string? Mismatch(string collection, CollectionParams parameters, EmbeddingModel model)
    {
        var expected = $"{model.Name} needs a '{QdrantRequests.DenseVector}' vector of {model.Dimensions} dimensions with Cosine distance and a '{QdrantRequests.SparseVector}' sparse vector with the Idf modifier";
        var dense = parameters.VectorsConfig?.ParamsMap?.Map.GetValueOrDefault(QdrantRequests.DenseVector);
        var sparse = parameters.SparseVectorsConfig?.Map.GetValueOrDefault(QdrantRequests.SparseVector);
        var found = $"collection '{collection}' has " + (dense is null
            ? $"no '{QdrantRequests.DenseVector}' vector"
            : $"a '{QdrantRequests.DenseVector}' vector of {dense.Size} dimensions with {dense.Distance} distance") + (sparse is null
            ? $" and no '{QdrantRequests.SparseVector}' sparse vector"
            : $" and a '{QdrantRequests.SparseVector}' sparse vector with modifier {sparse.Modifier}");
        if (dense is null || dense.Size != (ulong)model.Dimensions || dense.Distance != Distance.Cosine || sparse is null || sparse.Modifier != Modifier.Idf)
        {
            return $"{found}; {expected}.";
        }

        return QdrantRequests.IsCollectionOf(collection, Alias, model.Name, model.Dimensions)
            ? null
            : $"alias '{Alias}' points at collection '{collection}', which was built for another embedding model; this service embeds with {model.Name} ({model.Dimensions} dimensions). Run 'qwenrag reindex --embedding {model.Name}' to rebuild the index for it.";
    }
}
