namespace QwenRag.Core.Postgres;

/// <summary>
/// One step of a component's PostgreSQL schema, run once per database inside the transaction that records it in
/// <c>schema_migrations</c> (see <see cref="PostgresDatabase.Migrate"/>). Versions of a component run 1, 2, 3, ... in order.
/// </summary>
public sealed record PostgresMigration(int Version, string Description, string Sql);
