using Microsoft.Data.Sqlite;

namespace QwenRag.Retrieval.Keywords;

/// <summary>
/// Splits text into terms exactly as the keyword index does, by asking SQLite's FTS5 with the same tokenizer
/// (<see cref="SqliteKeywordIndex.Tokenizer"/>: unicode61 case and diacritic folding, Porter stemming): the text is
/// inserted into an in-memory FTS5 table inside a transaction, the term counts are read from its vocabulary, and
/// the transaction is rolled back. One private in-memory database, one caller at a time.
/// </summary>
internal sealed class Fts5Terms : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly SqliteCommand _insert;
    private readonly SqliteParameter _text;
    private readonly SqliteCommand _read;
    private readonly Lock _gate = new();

    public Fts5Terms()
    {
        _connection = new SqliteConnection("Data Source=:memory:");
        _connection.Open();
        using (var create = _connection.CreateCommand())
        {
            create.CommandText = $"""
                CREATE VIRTUAL TABLE terms USING fts5(text, tokenize='{SqliteKeywordIndex.Tokenizer}');
                CREATE VIRTUAL TABLE terms_vocabulary USING fts5vocab(terms, 'row');
                """;
            create.ExecuteNonQuery();
        }

        _insert = _connection.CreateCommand();
        _insert.CommandText = "INSERT INTO terms (rowid, text) VALUES (1, $text)";
        _text = _insert.Parameters.Add("$text", SqliteType.Text);
        _read = _connection.CreateCommand();
        _read.CommandText = "SELECT term, cnt FROM terms_vocabulary";
    }

    /// <summary>Each distinct term of <paramref name="text"/> with the number of times it occurs.</summary>
    public IReadOnlyList<(string Term, int Count)> Count(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var terms = new List<(string, int)>();
        if (text.Length == 0)
        {
            return terms;
        }

        lock (_gate)
        {
            using var transaction = _connection.BeginTransaction();
            _insert.Transaction = transaction;
            _read.Transaction = transaction;
            _text.Value = text;
            _insert.ExecuteNonQuery();
            using (var reader = _read.ExecuteReader())
            {
                while (reader.Read())
                {
                    terms.Add((reader.GetString(0), reader.GetInt32(1)));
                }
            }

            transaction.Rollback();
        }

        return terms;
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _insert.Dispose();
            _read.Dispose();
            _connection.Dispose();
        }
    }
}
