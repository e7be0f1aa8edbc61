"""The SQLite schema of the bounce log, as an ordered list of migrations.

``schema_version`` holds one row: the number of migrations applied. Opening a log applies the
missing ones in order, each in its own transaction, so a database written by an older bouncekit
is brought up to date on first use (and one written by a newer bouncekit is refused).
Never edit a migration that has shipped: add the next one.

Version 1's comments describe ``received`` as it was then; version 3 changed its meaning (see
``_V3``). Dates are stored as ISO 8601 UTC text, ``YYYY-MM-DDTHH:MM:SSZ``, which sorts as it reads.
``*_lc`` columns hold lower-cased copies for case-insensitive substring search.
"""

from __future__ import annotations

import sqlite3

_V1 = """
CREATE TABLE messages (
    hash            TEXT PRIMARY KEY,   -- sha256 of the raw message, line ends normalised to LF
    received        TEXT NOT NULL,      -- the bounce's Date header (else file mtime, else ingest time)
    received_from   TEXT NOT NULL,      -- 'date', 'mtime' or 'ingest': where `received` came from
    ingested_at     TEXT NOT NULL,
    source          TEXT,               -- path the message was read from
    source_index    INTEGER,            -- its position in that file (mbox)
    is_bounce       INTEGER NOT NULL,
    format          TEXT,
    reporting_mta   TEXT,
    subject         TEXT,               -- subject of the bounce itself
    envelope_to     TEXT,               -- where the bounce was delivered (VERP address)
    orig_message_id TEXT,
    orig_from       TEXT,
    orig_to         TEXT,
    orig_subject    TEXT,
    orig_return_path TEXT,
    orig_headers    TEXT NOT NULL DEFAULT '{}',  -- JSON object: configured correlation headers
    errors          TEXT
);
CREATE INDEX messages_received ON messages(received);
CREATE INDEX messages_orig_message_id ON messages(orig_message_id);

CREATE TABLE bounces (
    id              INTEGER PRIMARY KEY,
    message_hash    TEXT NOT NULL REFERENCES messages(hash) ON DELETE CASCADE,
    recipient       TEXT NOT NULL,
    recipient_lc    TEXT NOT NULL,
    verp_recipient  TEXT,               -- the recipient decoded from a VERP return path, if any
    received        TEXT NOT NULL,      -- copy of messages.received, for the date index
    action          TEXT,
    status          TEXT,
    reply_code      TEXT,
    grp             TEXT NOT NULL,
    hard            INTEGER NOT NULL,
    diagnostic      TEXT NOT NULL,
    diagnostic_lc   TEXT NOT NULL,
    remote_mta      TEXT,
    rule            TEXT,
    command         TEXT,
    prior_suppressed INTEGER NOT NULL DEFAULT 0,  -- address was already suppressed when it came in
    UNIQUE (message_hash, recipient_lc)
);
CREATE INDEX bounces_received ON bounces(received);
CREATE INDEX bounces_group ON bounces(grp, received);
CREATE INDEX bounces_recipient ON bounces(recipient_lc, received);

CREATE TABLE suppression (
    address         TEXT PRIMARY KEY,   -- lower-cased
    state           TEXT NOT NULL CHECK (state IN ('suppressed', 'valid')),
    cause           TEXT NOT NULL,      -- 'hard', 'complaint', 'soft', 'manual'
    reason          TEXT NOT NULL,
    since           TEXT NOT NULL,      -- when it was (last) suppressed
    bounce_id       INTEGER,            -- the bounce that put it there (NULL when manual)
    valid_since     TEXT,               -- when it was last marked valid: older bounces do not count
    times           INTEGER NOT NULL DEFAULT 1,  -- how often it was put on the list
    updated_at      TEXT NOT NULL
);
CREATE INDEX suppression_state ON suppression(state, since);
"""

# Version 2: a trigram full-text index over the lower-cased recipient and diagnostic, so that
# substring searches (`--to PART`, `--error TEXT`) do not scan the whole table. External
# content: the text lives in `bounces`; triggers keep the index in step.
_V2 = """
CREATE VIRTUAL TABLE bounces_fts USING fts5(
    recipient_lc, diagnostic_lc, content='bounces', content_rowid='id',
    tokenize='trigram case_sensitive 1'
);
CREATE TRIGGER bounces_fts_insert AFTER INSERT ON bounces BEGIN
    INSERT INTO bounces_fts(rowid, recipient_lc, diagnostic_lc)
    VALUES (new.id, new.recipient_lc, new.diagnostic_lc);
END;
CREATE TRIGGER bounces_fts_delete AFTER DELETE ON bounces BEGIN
    INSERT INTO bounces_fts(bounces_fts, rowid, recipient_lc, diagnostic_lc)
    VALUES ('delete', old.id, old.recipient_lc, old.diagnostic_lc);
END;
INSERT INTO bounces_fts(bounces_fts) VALUES ('rebuild');
"""


def _has_trigram(conn: sqlite3.Connection) -> bool:
    try:
        conn.execute("CREATE VIRTUAL TABLE temp._probe USING fts5(x, tokenize='trigram')")
        conn.execute("DROP TABLE temp._probe")
        return True
    except sqlite3.OperationalError:
        return False


def _v2(conn: sqlite3.Connection) -> None:
    # SQLite older than 3.34 has no trigram tokenizer: the log still works, searching by scan.
    if _has_trigram(conn):
        for statement in _split(_V2):
            conn.execute(statement)


def _v1(conn: sqlite3.Connection) -> None:
    for statement in _split(_V1):
        conn.execute(statement)


def _split(script: str) -> list[str]:
    """Statements of a script (one per ``;`` at a line end), keeping CREATE TRIGGER bodies whole.

    ``executescript`` would commit the open transaction first, so statements run one by one.
    """
    out: list[str] = []
    current = ""
    for line in script.splitlines():
        stripped = line.rstrip()
        if not stripped.strip():
            continue
        current += stripped + "\n"
        if current.rstrip().endswith(";") and (
            not current.lstrip().upper().startswith("CREATE TRIGGER") or current.rstrip().upper().endswith("END;")
        ):
            out.append(current.strip())
            current = ""
    if current.strip():
        out.append(current.strip())
    return out


# Version 3: `received` becomes the time the log received the bounce (the ingest time, UTC), as
# the services users compare bouncekit with show it, so that an archive just ingested is found by
# "the last 7 days" and retention counts from arrival. The bounce's own date (its Date header,
# else the file's mtime, else the ingest time) moves to `bounce_date`, with `bounce_date_from`
# (formerly `received_from`) saying which; suppression scoring counts days on it. Existing rows:
# the old `received` is copied into `bounce_date`, `received` is set from `ingested_at`.
_V3 = """
ALTER TABLE messages RENAME COLUMN received_from TO bounce_date_from;
ALTER TABLE messages ADD COLUMN bounce_date TEXT;
UPDATE messages SET bounce_date = received, received = ingested_at;
ALTER TABLE bounces ADD COLUMN bounce_date TEXT;
UPDATE bounces SET bounce_date = received,
    received = (SELECT m.ingested_at FROM messages m WHERE m.hash = bounces.message_hash);
DROP INDEX bounces_recipient;
CREATE INDEX bounces_recipient ON bounces(recipient_lc, bounce_date);
"""


def _v3(conn: sqlite3.Connection) -> None:
    for statement in _split(_V3):
        conn.execute(statement)


# Version 4: delivery reports (delivered, relayed, expanded) and auto-replies are stored too, as
# rows with `failure = 0`, so a console can show everything a mailbox received and a "show only
# failures" switch has something to hide. Searches, counts, exports and the suppression policy
# look at failures only unless asked. Rows stored before are all failures.
_V4 = """
ALTER TABLE bounces ADD COLUMN failure INTEGER NOT NULL DEFAULT 1;
"""


def _v4(conn: sqlite3.Connection) -> None:
    for statement in _split(_V4):
        conn.execute(statement)


#: The migrations, in order; the schema version is the number applied.
MIGRATIONS = (_v1, _v2, _v3, _v4)
VERSION = len(MIGRATIONS)


class SchemaError(RuntimeError):
    """The database was written by a newer bouncekit, or is not a bounce log."""


def current_version(conn: sqlite3.Connection) -> int:
    row = conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'"
    ).fetchone()
    if row is None:
        return 0
    found = conn.execute("SELECT version FROM schema_version").fetchone()
    return int(found[0]) if found else 0


def migrate(conn: sqlite3.Connection, *, target: int = VERSION) -> int:
    """Apply the missing migrations up to ``target``; returns the version the database is at.

    Each step runs in an immediate transaction, so two processes opening a fresh file at once
    do not both apply it.
    """
    if current_version(conn) == target:
        return target  # the common case: up to date; no write lock, so opening never waits for an ingest
    while True:
        conn.execute("BEGIN IMMEDIATE")
        try:
            version = current_version(conn)
            if version > VERSION:
                raise SchemaError(f"The bounce log is at schema version {version}, newer than this "
                                  f"bouncekit knows ({VERSION}); upgrade bouncekit.")
            if version >= target:
                conn.execute("COMMIT")
                return version
            if version == 0:
                conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
                conn.execute("DELETE FROM schema_version")
                conn.execute("INSERT INTO schema_version (version) VALUES (0)")
            MIGRATIONS[version](conn)
            conn.execute("UPDATE schema_version SET version = ?", (version + 1,))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
