"""The bounce log: store classified bounces, search and export them, keep a suppression list.

    from bouncekit.log import BounceLog

    with BounceLog("bounces.db") as log:           # created (or migrated) on open; WAL mode
        stats = log.ingest(["Maildir/"])           # classify and store; idempotent
        for entry in log.search(start="2024-05-01", end="2024-05-31", to="example.org"):
            print(entry.received, entry.recipient, entry.group, entry.diagnostic)
        log.export_csv("may.csv", start="2024-05-01", end="2024-05-31")
        blocked, why = log.is_suppressed("user@example.org")

``docs/log.md`` describes the schema, the retention, the CSV columns, correlation, the
suppression policy and the status vocabularies. A front end: it uses bouncekit's public API
(``parse``) like any other caller.
"""

from __future__ import annotations

from ._policy import DEFAULT_POLICY, SuppressionPolicy, soft_score
from ._schema import VERSION as SCHEMA_VERSION
from ._store import (
    CSV_COLUMNS,
    DEFAULT_CORRELATION_HEADERS,
    DEFAULT_DB_NAME,
    DEFAULT_RETENTION_DAYS,
    ORDERS,
    BounceLog,
    Entry,
    IngestStats,
    LogError,
    Suppression,
    default_db_path,
)
from ._verp import decode_verp
from ._vocab import category, event, outcome

__all__ = [
    "CSV_COLUMNS",
    "DEFAULT_CORRELATION_HEADERS",
    "DEFAULT_DB_NAME",
    "DEFAULT_POLICY",
    "DEFAULT_RETENTION_DAYS",
    "ORDERS",
    "SCHEMA_VERSION",
    "BounceLog",
    "Entry",
    "IngestStats",
    "LogError",
    "Suppression",
    "SuppressionPolicy",
    "category",
    "decode_verp",
    "default_db_path",
    "event",
    "outcome",
    "soft_score",
]
