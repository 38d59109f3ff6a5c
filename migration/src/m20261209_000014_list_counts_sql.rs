//! The SQL of `m20261209_000014_list_counts`: the counter table, its triggers on each
//! database, and the backfill.

/// `list` is `contacts` or `accounts`; `relationship` the relationship type the rows have
/// (a contact's is its account's); the count of a key is the sum of its shards.
pub const TABLE: &str = "CREATE TABLE list_counts (
    list varchar(32) NOT NULL,
    relationship varchar(32) NOT NULL,
    shard smallint NOT NULL,
    n bigint NOT NULL,
    PRIMARY KEY (list, relationship, shard)
)";

/// Counts the rows already there; runs after the triggers exist, in the same transaction.
pub const BACKFILL: &[&str] = &[
    "INSERT INTO list_counts (list, relationship, shard, n)
     SELECT 'accounts', relationship, 0, COUNT(*) FROM accounts WHERE 1 = 1 GROUP BY relationship
     ON CONFLICT (list, relationship, shard) DO UPDATE SET n = list_counts.n + excluded.n",
    "INSERT INTO list_counts (list, relationship, shard, n)
     SELECT 'contacts', a.relationship, 0, COUNT(*)
     FROM contacts c JOIN accounts a ON a.id = c.account_id WHERE 1 = 1 GROUP BY a.relationship
     ON CONFLICT (list, relationship, shard) DO UPDATE SET n = list_counts.n + excluded.n",
];

macro_rules! pg_function {
    ($name:literal, $body:literal) => {
        concat!(
            "CREATE FUNCTION ",
            $name,
            "() RETURNS trigger LANGUAGE plpgsql AS $fn$ BEGIN ",
            $body,
            " ON CONFLICT (list, relationship, shard) DO UPDATE SET n = list_counts.n + excluded.n; ",
            "RETURN NULL; END $fn$"
        )
    };
}

/// PostgreSQL: one statement-level trigger per (table, operation).
pub const PG_UP: &[&str] = &[
    pg_function!(
        "list_counts_contacts_inserted",
        "WITH a AS (SELECT id, relationship FROM accounts
                     WHERE id IN (SELECT account_id FROM new_rows) FOR SHARE)
         INSERT INTO list_counts (list, relationship, shard, n)
         SELECT 'contacts', a.relationship, (txid_current() % 16)::smallint, COUNT(*)
         FROM new_rows r JOIN a ON a.id = r.account_id GROUP BY a.relationship"
    ),
    pg_function!(
        "list_counts_contacts_deleted",
        "WITH a AS (SELECT id, relationship FROM accounts
                     WHERE id IN (SELECT account_id FROM old_rows) FOR SHARE)
         INSERT INTO list_counts (list, relationship, shard, n)
         SELECT 'contacts', a.relationship, (txid_current() % 16)::smallint, -COUNT(*)
         FROM old_rows r JOIN a ON a.id = r.account_id GROUP BY a.relationship"
    ),
    pg_function!(
        "list_counts_contacts_updated",
        "WITH moved AS (SELECT o.account_id AS from_id, n.account_id AS to_id
                         FROM old_rows o JOIN new_rows n ON n.id = o.id
                         WHERE o.account_id <> n.account_id),
              a AS (SELECT id, relationship FROM accounts
                     WHERE id IN (SELECT from_id FROM moved UNION SELECT to_id FROM moved)
                     FOR SHARE),
              d AS (SELECT a.relationship, -1 AS n FROM moved JOIN a ON a.id = moved.from_id
                    UNION ALL
                    SELECT a.relationship, 1 AS n FROM moved JOIN a ON a.id = moved.to_id)
         INSERT INTO list_counts (list, relationship, shard, n)
         SELECT 'contacts', relationship, (txid_current() % 16)::smallint, SUM(n)
         FROM d GROUP BY relationship"
    ),
    pg_function!(
        "list_counts_accounts_inserted",
        "INSERT INTO list_counts (list, relationship, shard, n)
         SELECT 'accounts', relationship, (txid_current() % 16)::smallint, COUNT(*)
         FROM new_rows GROUP BY relationship"
    ),
    pg_function!(
        "list_counts_accounts_deleted",
        "INSERT INTO list_counts (list, relationship, shard, n)
         SELECT 'accounts', relationship, (txid_current() % 16)::smallint, -COUNT(*)
         FROM old_rows GROUP BY relationship"
    ),
    pg_function!(
        "list_counts_accounts_updated",
        "WITH changed AS (SELECT o.id, o.relationship AS from_rel, n.relationship AS to_rel,
                                 (SELECT COUNT(*) FROM contacts c WHERE c.account_id = o.id) AS contacts
                          FROM old_rows o JOIN new_rows n ON n.id = o.id
                          WHERE o.relationship <> n.relationship),
              d AS (SELECT 'accounts' AS list, from_rel AS relationship, -1::bigint AS n FROM changed
                    UNION ALL SELECT 'accounts', to_rel, 1 FROM changed
                    UNION ALL SELECT 'contacts', from_rel, -contacts FROM changed
                    UNION ALL SELECT 'contacts', to_rel, contacts FROM changed)
         INSERT INTO list_counts (list, relationship, shard, n)
         SELECT list, relationship, (txid_current() % 16)::smallint, SUM(n)
         FROM d GROUP BY list, relationship"
    ),
    "CREATE TRIGGER list_counts_contacts_insert AFTER INSERT ON contacts
     REFERENCING NEW TABLE AS new_rows
     FOR EACH STATEMENT EXECUTE FUNCTION list_counts_contacts_inserted()",
    "CREATE TRIGGER list_counts_contacts_delete AFTER DELETE ON contacts
     REFERENCING OLD TABLE AS old_rows
     FOR EACH STATEMENT EXECUTE FUNCTION list_counts_contacts_deleted()",
    "CREATE TRIGGER list_counts_contacts_update AFTER UPDATE ON contacts
     REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
     FOR EACH STATEMENT EXECUTE FUNCTION list_counts_contacts_updated()",
    "CREATE TRIGGER list_counts_accounts_insert AFTER INSERT ON accounts
     REFERENCING NEW TABLE AS new_rows
     FOR EACH STATEMENT EXECUTE FUNCTION list_counts_accounts_inserted()",
    "CREATE TRIGGER list_counts_accounts_delete AFTER DELETE ON accounts
     REFERENCING OLD TABLE AS old_rows
     FOR EACH STATEMENT EXECUTE FUNCTION list_counts_accounts_deleted()",
    "CREATE TRIGGER list_counts_accounts_update AFTER UPDATE ON accounts
     REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
     FOR EACH STATEMENT EXECUTE FUNCTION list_counts_accounts_updated()",
];

/// PostgreSQL: undoes [`PG_UP`].
pub const PG_DOWN: &[&str] = &[
    "DROP TRIGGER list_counts_contacts_insert ON contacts",
    "DROP TRIGGER list_counts_contacts_delete ON contacts",
    "DROP TRIGGER list_counts_contacts_update ON contacts",
    "DROP TRIGGER list_counts_accounts_insert ON accounts",
    "DROP TRIGGER list_counts_accounts_delete ON accounts",
    "DROP TRIGGER list_counts_accounts_update ON accounts",
    "DROP FUNCTION list_counts_contacts_inserted()",
    "DROP FUNCTION list_counts_contacts_deleted()",
    "DROP FUNCTION list_counts_contacts_updated()",
    "DROP FUNCTION list_counts_accounts_inserted()",
    "DROP FUNCTION list_counts_accounts_deleted()",
    "DROP FUNCTION list_counts_accounts_updated()",
];

macro_rules! sqlite_add {
    ($list:literal, $rel:literal, $n:literal, $from:literal) => {
        concat!(
            "INSERT INTO list_counts (list, relationship, shard, n) SELECT '",
            $list,
            "', ",
            $rel,
            ", 0, ",
            $n,
            " ",
            $from,
            " ON CONFLICT (list, relationship, shard) DO UPDATE SET n = list_counts.n + excluded.n;"
        )
    };
}

/// SQLite: row-level triggers.
pub const SQLITE_UP: &[&str] = &[
    concat!(
        "CREATE TRIGGER list_counts_contacts_insert AFTER INSERT ON contacts BEGIN ",
        sqlite_add!(
            "contacts",
            "relationship",
            "1",
            "FROM accounts WHERE id = NEW.account_id"
        ),
        " END"
    ),
    concat!(
        "CREATE TRIGGER list_counts_contacts_delete AFTER DELETE ON contacts BEGIN ",
        sqlite_add!(
            "contacts",
            "relationship",
            "-1",
            "FROM accounts WHERE id = OLD.account_id"
        ),
        " END"
    ),
    concat!(
        "CREATE TRIGGER list_counts_contacts_update AFTER UPDATE OF account_id ON contacts ",
        "WHEN OLD.account_id <> NEW.account_id BEGIN ",
        sqlite_add!(
            "contacts",
            "relationship",
            "-1",
            "FROM accounts WHERE id = OLD.account_id"
        ),
        sqlite_add!(
            "contacts",
            "relationship",
            "1",
            "FROM accounts WHERE id = NEW.account_id"
        ),
        " END"
    ),
    concat!(
        "CREATE TRIGGER list_counts_accounts_insert AFTER INSERT ON accounts BEGIN ",
        sqlite_add!("accounts", "NEW.relationship", "1", "WHERE 1 = 1"),
        " END"
    ),
    concat!(
        "CREATE TRIGGER list_counts_accounts_delete AFTER DELETE ON accounts BEGIN ",
        sqlite_add!("accounts", "OLD.relationship", "-1", "WHERE 1 = 1"),
        " END"
    ),
    concat!(
        "CREATE TRIGGER list_counts_accounts_update AFTER UPDATE OF relationship ON accounts ",
        "WHEN OLD.relationship <> NEW.relationship BEGIN ",
        sqlite_add!("accounts", "OLD.relationship", "-1", "WHERE 1 = 1"),
        sqlite_add!("accounts", "NEW.relationship", "1", "WHERE 1 = 1"),
        sqlite_add!(
            "contacts",
            "OLD.relationship",
            "-COUNT(*)",
            "FROM contacts WHERE account_id = NEW.id"
        ),
        sqlite_add!(
            "contacts",
            "NEW.relationship",
            "COUNT(*)",
            "FROM contacts WHERE account_id = NEW.id"
        ),
        " END"
    ),
];

/// SQLite: undoes [`SQLITE_UP`].
pub const SQLITE_DOWN: &[&str] = &[
    "DROP TRIGGER list_counts_contacts_insert",
    "DROP TRIGGER list_counts_contacts_delete",
    "DROP TRIGGER list_counts_contacts_update",
    "DROP TRIGGER list_counts_accounts_insert",
    "DROP TRIGGER list_counts_accounts_delete",
    "DROP TRIGGER list_counts_accounts_update",
];
