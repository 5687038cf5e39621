using System.Globalization;
using Microsoft.Data.Sqlite;

namespace IOWebserver;

/// <summary>
/// The database behind the dynamic pages: a small TPC-W-like schema (author, item) generated at start into an
/// SQLite file from a fixed seed, and the product-detail query (item joined with its author by item id).
/// </summary>
public static class ItemDatabase
{
    public const int DefaultItems = 1000;
    public const string DetailQuery =
        "SELECT i.i_id, i.i_title, a.a_fname, a.a_lname, i.i_publisher, i.i_subject, i.i_desc, i.i_cost, i.i_srp, i.i_isbn, i.i_page, i.i_backing, i.i_pub_date " +
        "FROM item i JOIN author a ON a.a_id = i.i_a_id WHERE i.i_id = $id";

    static readonly string[] Subjects = ["ARTS", "BIOGRAPHIES", "BUSINESS", "CHILDREN", "COMPUTERS", "COOKING", "HEALTH", "HISTORY", "HOME", "HUMOR", "LITERATURE", "MYSTERY", "NON-FICTION", "PARENTING", "POLITICS", "REFERENCE", "RELIGION", "ROMANCE", "SELF-HELP", "SCIENCE-NATURE", "SCIENCE-FICTION", "SPORTS", "YOUTH", "TRAVEL"];
    static readonly string[] Backings = ["HARDBACK", "PAPERBACK", "USED", "AUDIO", "LIMITED-EDITION"];
    static readonly string[] Syllables = ["ka", "lo", "mi", "ne", "ru", "sa", "to", "vi", "ze", "bo", "da", "fe", "gu", "hi", "jo", "pa"];

    /// <summary>Creates (overwrites) the database file with <paramref name="items"/> items and items/4 authors.</summary>
    public static void Create(string path, int items = DefaultItems, int seed = 2009)
    {
        if (File.Exists(path)) File.Delete(path);
        var rng = new Random(seed);
        using var db = new SqliteConnection($"Data Source={path};Pooling=False");
        db.Open();
        using var tx = db.BeginTransaction();
        Exec(db, "CREATE TABLE author (a_id INTEGER PRIMARY KEY, a_fname TEXT NOT NULL, a_lname TEXT NOT NULL, a_bio TEXT NOT NULL)");
        Exec(db, "CREATE TABLE item (i_id INTEGER PRIMARY KEY, i_title TEXT NOT NULL, i_a_id INTEGER NOT NULL REFERENCES author(a_id), i_pub_date TEXT NOT NULL, " +
                 "i_publisher TEXT NOT NULL, i_subject TEXT NOT NULL, i_desc TEXT NOT NULL, i_cost REAL NOT NULL, i_srp REAL NOT NULL, i_isbn TEXT NOT NULL, " +
                 "i_page INTEGER NOT NULL, i_backing TEXT NOT NULL)");
        int authors = Math.Max(1, items / 4);
        using (var ins = db.CreateCommand())
        {
            ins.CommandText = "INSERT INTO author VALUES ($id, $f, $l, $b)";
            var p = new[] { ins.Parameters.Add("$id", SqliteType.Integer), ins.Parameters.Add("$f", SqliteType.Text), ins.Parameters.Add("$l", SqliteType.Text), ins.Parameters.Add("$b", SqliteType.Text) };
            for (int a = 1; a <= authors; a++)
            {
                p[0].Value = a; p[1].Value = Word(rng, 2, true); p[2].Value = Word(rng, 3, true); p[3].Value = Sentence(rng, 20);
                ins.ExecuteNonQuery();
            }
        }
        using (var ins = db.CreateCommand())
        {
            ins.CommandText = "INSERT INTO item VALUES ($id, $t, $a, $d, $p, $s, $desc, $c, $srp, $isbn, $pg, $b)";
            string[] names = ["$id", "$t", "$a", "$d", "$p", "$s", "$desc", "$c", "$srp", "$isbn", "$pg", "$b"];
            var p = names.Select(n => ins.Parameters.Add(new SqliteParameter { ParameterName = n })).ToArray();
            for (int i = 1; i <= items; i++)
            {
                double srp = Math.Round(5 + rng.NextDouble() * 95, 2);
                p[0].Value = i;
                p[1].Value = Sentence(rng, 2 + rng.Next(4));
                p[2].Value = 1 + rng.Next(authors);
                p[3].Value = new DateTime(1930, 1, 1).AddDays(rng.Next(27_000)).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
                p[4].Value = Word(rng, 3, true) + " Press";
                p[5].Value = Subjects[rng.Next(Subjects.Length)];
                p[6].Value = Sentence(rng, 40 + rng.Next(160));
                p[7].Value = Math.Round(srp * (0.5 + rng.NextDouble() * 0.5), 2);
                p[8].Value = srp;
                p[9].Value = string.Concat(Enumerable.Range(0, 13).Select(_ => (char)('0' + rng.Next(10))));
                p[10].Value = 20 + rng.Next(9980);
                p[11].Value = Backings[rng.Next(Backings.Length)];
                ins.ExecuteNonQuery();
            }
        }
        tx.Commit();
    }

    /// <summary>Opens a read-only connection to the database file.</summary>
    public static SqliteConnection OpenReadOnly(string path)
    {
        var c = new SqliteConnection($"Data Source={path};Mode=ReadOnly");
        c.Open();
        return c;
    }

    /// <summary>A prepared product-detail command on <paramref name="db"/>; set its "$id" parameter and call <see cref="Read"/>.</summary>
    public static SqliteCommand PrepareDetail(SqliteConnection db)
    {
        var cmd = db.CreateCommand();
        cmd.CommandText = DetailQuery;
        cmd.Parameters.Add("$id", SqliteType.Integer).Value = 1L;
        cmd.Prepare();
        return cmd;
    }

    /// <summary>Runs the prepared product-detail query for <paramref name="id"/>; null when there is no such item.</summary>
    public static ItemRow? Read(SqliteCommand detail, long id)
    {
        detail.Parameters[0].Value = id;
        using var r = detail.ExecuteReader();
        if (!r.Read()) return null;
        return new ItemRow(r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetString(5), r.GetString(6),
                           r.GetDouble(7), r.GetDouble(8), r.GetString(9), r.GetInt32(10), r.GetString(11), r.GetString(12));
    }

    static void Exec(SqliteConnection db, string sql)
    {
        using var c = db.CreateCommand();
        c.CommandText = sql;
        c.ExecuteNonQuery();
    }

    static string Word(Random rng, int syllables, bool capital)
    {
        var w = string.Concat(Enumerable.Range(0, syllables).Select(_ => Syllables[rng.Next(Syllables.Length)]));
        return capital ? char.ToUpperInvariant(w[0]) + w[1..] : w;
    }

    static string Sentence(Random rng, int words) => string.Join(' ', Enumerable.Range(0, words).Select(i => Word(rng, 1 + rng.Next(3), i == 0)));
}
