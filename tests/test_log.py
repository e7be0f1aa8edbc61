"""The bounce log against a real SQLite file on disk: ingest, search, export, prune, suppression."""

from __future__ import annotations

import csv
import io
import json
import multiprocessing
import os
import sqlite3
from datetime import date, datetime, timezone

import pytest

from bouncekit.cli import main
from bouncekit.log import (
    CSV_COLUMNS,
    SCHEMA_VERSION,
    BounceLog,
    LogError,
    SuppressionPolicy,
    decode_verp,
    soft_score,
)
from bouncekit.log._schema import migrate
from bouncekit.model import NOT_FAILURES, Group
from bouncekit.log import _vocab

from _bounces import dsn

RECIPIENTS = [
    "John.Smith@Example.org", "o'brien@example.org", "a_b@example.org", "axb@example.org",
    "per%cent@example.org", "someone@example.net", "JOHN@other.example", "ab@example.org",
]


def write(folder, name: str, data: bytes) -> str:
    path = os.path.join(folder, name)
    with open(path, "wb") as fh:
        fh.write(data)
    return path


@pytest.fixture
def mail_dir(tmp_path):
    """One bounce per recipient, each on its own day of May 2024."""
    folder = tmp_path / "mail"
    folder.mkdir()
    for i, rcpt in enumerate(RECIPIENTS):
        write(folder, f"{i:02d}.eml", dsn(rcpt, date=f"Wed, {i + 1:02d} May 2024 10:00:00 +0000",
                                          message_id=f"<m{i}@sender.example>",
                                          extra=f"X-Campaign-ID: camp-{i}\n"))
    return str(folder)


def ingest_daily(log, folder: str) -> None:
    """Ingest each of ``mail_dir``'s bounces on the day it is dated (10:00 UTC), as a live log would."""
    for i in range(len(RECIPIENTS)):
        log.ingest([os.path.join(folder, f"{i:02d}.eml")], now=datetime(2024, 5, i + 1, 10, tzinfo=timezone.utc))


@pytest.fixture
def log(tmp_path):
    with BounceLog(str(tmp_path / "log.db")) as opened:
        yield opened


# -- ingest ----------------------------------------------------------------------------------------

def test_ingest_stores_one_record_per_failed_recipient(log, mail_dir):
    stats = log.ingest([mail_dir])
    assert stats.messages == len(RECIPIENTS) and stats.records == len(RECIPIENTS)
    assert log.count() == len(RECIPIENTS)
    assert log.connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_ingest_is_idempotent(log, mail_dir, tmp_path):
    log.ingest([mail_dir])
    again = log.ingest([mail_dir])
    assert again.records == 0 and again.known_messages == len(RECIPIENTS)
    # the same bounce with CRLF line ends, in another file, is the same bounce
    crlf = tmp_path / "crlf"
    crlf.mkdir()
    data = open(os.path.join(mail_dir, "00.eml"), "rb").read().replace(b"\n", b"\r\n")
    write(crlf, "copy.eml", data)
    assert log.ingest([str(crlf)]).records == 0
    assert log.count() == len(RECIPIENTS)


def test_received_is_the_ingest_time_and_bounce_date_the_date_header_in_utc(log, tmp_path):
    folder = tmp_path / "m"
    folder.mkdir()
    write(folder, "a.eml", dsn("a@example.org", date="Thu, 02 May 1996 08:30:00 +0900"))
    now = datetime(2024, 6, 1, 12, 0, 5, tzinfo=timezone.utc)
    log.ingest([str(folder)], now=now)
    (entry,) = log.search()
    assert entry.received == entry.ingested_at == now
    assert entry.bounce_date == datetime(1996, 5, 1, 23, 30, tzinfo=timezone.utc)
    assert entry.bounce_date_from == "date"
    # an archive of old bounces ingested today is found by today's date range, not by its own dates
    assert log.count(start="2024-06-01", end="2024-06-01") == 1
    assert log.count(start="1996-05-01", end="1996-05-02") == 0
    assert entry.to_dict()["bounce_date"] == "1996-05-01T23:30:00Z"


def test_bounce_date_falls_back_to_the_file_mtime_then_the_ingest_time(log, tmp_path):
    folder = tmp_path / "m"
    folder.mkdir()
    path = write(folder, "a.eml", dsn("a@example.org").replace(b"Date: Wed, 01 May 2024 10:00:00 +0000\n", b""))
    os.utime(path, (1700000000, 1700000000))
    log.ingest([str(folder)])
    (entry,) = log.search()
    assert entry.bounce_date_from == "mtime" and entry.bounce_date.timestamp() == 1700000000
    now = datetime(2024, 6, 1, tzinfo=timezone.utc)
    data = dsn("b@example.org").replace(b"Date: Wed, 01 May 2024 10:00:00 +0000\n", b"")
    log.ingest_message(data, now=now)
    (entry,) = log.search(to="b@")
    assert entry.bounce_date_from == "ingest" and entry.bounce_date == entry.received == now


def test_delivered_and_non_bounces_are_not_logged(log, tmp_path):
    folder = tmp_path / "m"
    folder.mkdir()
    write(folder, "ok.eml", dsn("a@example.org", action="delivered", status="2.0.0", diagnostic="250 OK"))
    write(folder, "plain.eml", b"From: a@example.org\nTo: b@example.org\nSubject: hi\n\nhello\n")
    stats = log.ingest([str(folder)])
    assert log.count() == 0 and stats.not_failures == 1 and stats.not_bounces == 1
    # kept apart: searches see them only when asked, and they never touch the suppression list
    (kept,) = log.search(failures_only=False)
    assert kept.recipient == "a@example.org" and kept.outcome == "delivered" and kept.category is None
    assert log.count(failures_only=False) == 1 and log.suppression("a@example.org") is None


def test_hard_soft_filter_order_and_counts(log, tmp_path):
    folder = tmp_path / "m"
    folder.mkdir()
    write(folder, "1.eml", dsn("b@example.org", status="5.1.1", diagnostic="550 5.1.1 User unknown",
                               subject="Zebra"))
    write(folder, "2.eml", dsn("c@example.org", status="4.2.2", diagnostic="452 4.2.2 Mailbox full",
                               subject="Apple"))
    write(folder, "3.eml", dsn("a@example.org", status="4.2.2", diagnostic="452 4.2.2 Mailbox full",
                               subject="Mango"))
    log.ingest([str(folder / "1.eml")], now=datetime(2024, 5, 1, tzinfo=timezone.utc))
    log.ingest([str(folder / "2.eml"), str(folder / "3.eml")], now=datetime(2024, 5, 3, tzinfo=timezone.utc))
    assert [e.recipient for e in log.search(hard=True)] == ["b@example.org"]
    assert sorted(e.recipient for e in log.search(hard=False)) == ["a@example.org", "c@example.org"]
    assert [e.recipient for e in log.search(order="recipient")] == ["a@example.org", "b@example.org", "c@example.org"]
    assert [e.recipient for e in log.search(order="-recipient")] == ["c@example.org", "b@example.org", "a@example.org"]
    assert [e.original_subject for e in log.search(order="subject")] == ["Apple", "Mango", "Zebra"]
    assert [e.recipient for e in log.search(order="received")][0] == "b@example.org"
    assert log.search(order="error")[0].group is Group.MAILBOX_FULL
    with pytest.raises(LogError, match="sort order"):
        log.search(order="recipient; DROP TABLE bounces")
    assert log.count_by("day") == [("2024-05-01", 1), ("2024-05-03", 2)]
    assert log.count_by("group") == [("mailbox_full", 2), ("unknown_user", 1)]
    assert log.count_by("day", start="2024-05-02", hard=False) == [("2024-05-03", 2)]
    with pytest.raises(LogError):
        log.count_by("hour")
    with pytest.raises(LogError, match="after the end date"):
        log.search(start="2024-05-03", end="2024-05-01")


# -- search ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("part", ["example.org", "EXAMPLE.ORG", "john", "o'b", "'", "_", "a_b", "%", "per%",
                                  "x", "ab", "@", "nobody", "\\", '"', "smith@ex"])
def test_search_by_part_of_address_returns_exactly_the_matches(log, mail_dir, part):
    log.ingest([mail_dir])
    everything = log.search(limit=None)
    expected = sorted(e.id for e in everything if part.lower() in e.recipient.lower())
    assert sorted(e.id for e in log.search(to=part, limit=None)) == expected
    assert log.count(to=part) == len(expected)


def test_search_to_via_the_cli(log, mail_dir, tmp_path):
    log.ingest([mail_dir])
    out = io.StringIO()
    assert main(["log", "search", "--db", log.path, "--to", "A_B", "--format", "jsonl"], out=out) == 0
    assert [json.loads(line)["recipient"] for line in out.getvalue().splitlines()] == ["a_b@example.org"]


def test_search_by_date_range_includes_both_days(log, mail_dir):
    ingest_daily(log, mail_dir)
    got = log.search(start="2024-05-02", end="2024-05-04", limit=None)
    assert sorted(e.received.day for e in got) == [2, 3, 4]
    assert log.count(start=date(2024, 5, 8)) == 1
    assert log.count(end="2024-04-30") == 0
    with pytest.raises(LogError):
        log.search(start="05/01/2024")


def test_search_by_error_text_and_group(log, tmp_path):
    folder = tmp_path / "m"
    folder.mkdir()
    write(folder, "1.eml", dsn("a@example.org", status="5.1.1", diagnostic="550 5.1.1 User unknown"))
    write(folder, "2.eml", dsn("b@example.org", status="4.2.2", diagnostic="452 4.2.2 Mailbox FULL (quota 100%)"))
    log.ingest([str(folder)])
    assert [e.recipient for e in log.search(error="mailbox full")] == ["b@example.org"]
    assert [e.recipient for e in log.search(error="100%")] == ["b@example.org"]
    assert [e.recipient for e in log.search(error="0%")] == ["b@example.org"]
    assert log.search(error="1%") == []
    assert [e.recipient for e in log.search(group="unknown_user")] == ["a@example.org"]
    assert log.count(group=["unknown_user", "mailbox_full"]) == 2
    with pytest.raises(LogError):
        log.search(group="no_such_group")


def test_search_pages(log, mail_dir):
    ingest_daily(log, mail_dir)
    pages = [log.search(limit=3, page=p) for p in (1, 2, 3)]
    assert [len(p) for p in pages] == [3, 3, 2]
    ids = [e.id for p in pages for e in p]
    assert len(set(ids)) == len(RECIPIENTS)
    received = [e.received for p in pages for e in p]
    assert received == sorted(received, reverse=True)


# -- correlation -----------------------------------------------------------------------------------

def test_correlation_fields_are_kept(log, mail_dir):
    log.ingest([mail_dir])
    (entry,) = log.by_message_id("<m3@sender.example>")
    assert entry.recipient == "axb@example.org"
    assert entry.sender == "news@sender.example"
    assert entry.original_return_path == "bounces@sender.example"
    assert dict(entry.headers) == {"X-Campaign-ID": "camp-3"}
    assert log.get(entry.id) == entry


def test_custom_correlation_header(tmp_path):
    folder = tmp_path / "m"
    folder.mkdir()
    write(folder, "1.eml", dsn("a@example.org", extra="X-Tenant: acme\nX-Api-Data: {\"k\": 1}\n"))
    with BounceLog(str(tmp_path / "l.db"), correlation_headers=["X-Tenant", "X-Api-Data"]) as log:
        log.ingest([str(folder)])
        (entry,) = log.search()
    assert dict(entry.headers) == {"X-Tenant": "acme", "X-Api-Data": '{"k": 1}'}


@pytest.mark.parametrize("address, expected", [
    ("bounces+user=example.org@sender.example", "user@example.org"),
    ("<bounces+User.Name=Sub.Example.co.uk@sender.example>", "user.name@sub.example.co.uk"),
    ("list-bounces+john-doe=example.org@lists.example", "john-doe@example.org"),
    ("bounce-john-doe=example.org@lists.example", "john-doe@example.org"),
    ("mailman-bounces+foo+bar=example.com@x.example", "foo+bar@example.com"),
    ("bounces@sender.example", None),
    ("user+tag@example.org", None),
    ("bounces+user=localhost@sender.example", None),
    ("", None),
    (None, None),
])
def test_decode_verp(address, expected):
    assert decode_verp(address) == expected


def test_verp_return_path_gives_the_recipient_when_the_bounce_names_none(log, tmp_path):
    folder = tmp_path / "m"
    folder.mkdir()
    # a recipient the decoders cannot use: the VERP return path says who it was
    nameless = dsn("unknown", return_path="bounces+x.y=example.org@sender.example")
    write(folder, "1.eml", nameless.replace(b"To: unknown\n", b"To: undisclosed-recipients:;\n"))
    write(folder, "2.eml", dsn("c@example.org", return_path="plain@sender.example",
                               to="bounces+c=example.org@sender.example"))
    log.ingest([str(folder)])
    got = {e.recipient: e.verp_recipient for e in log.search()}
    assert got == {"x.y@example.org": "x.y@example.org", "c@example.org": "c@example.org"}


# -- export ----------------------------------------------------------------------------------------

def test_export_csv_header_lf_and_rows(log, mail_dir, tmp_path):
    log.ingest([mail_dir], now=datetime(2024, 6, 1, 8, 0, tzinfo=timezone.utc))
    target = tmp_path / "all.csv"
    n = log.export_csv(str(target), start="2000-01-01", end="2100-01-01")
    raw = target.read_bytes()
    assert b"\r" not in raw
    assert raw.split(b"\n", 1)[0] == b"received,status,from,to,message ID,error"
    with open(target, encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert n == len(rows) - 1 == len(RECIPIENTS)
    by_to = {r[3]: r for r in rows[1:]}
    row = by_to["o'brien@example.org"]
    assert row[1] == "bounced" and row[2] == "news@sender.example" and row[4] == "m1@sender.example"
    assert row[0] == "2024-06-01T08:00:00Z" and row[5] == "550 5.1.1 User unknown"  # received: ingest time


def test_export_cli_writes_the_file(log, mail_dir, tmp_path):
    log.ingest([mail_dir])
    target = tmp_path / "out.csv"
    assert main(["log", "export", "--db", log.path, "--to", "example.org", "--output", str(target)],
                err=io.StringIO()) == 0
    rows = list(csv.DictReader(open(target, encoding="utf-8", newline="")))
    assert len(rows) == log.count(to="example.org") and all("example.org" in r["to"].lower() for r in rows)


# -- prune -----------------------------------------------------------------------------------------

def test_prune_keeps_the_retention_window_and_the_suppression_list(log, mail_dir):
    ingest_daily(log, mail_dir)
    now = datetime(2024, 6, 12, 12, 0, tzinfo=timezone.utc)  # 40 days back: 2024-05-03 12:00
    removed = log.prune(retention_days=40, now=now)
    assert removed == 3
    assert sorted(e.received.day for e in log.search(limit=None)) == [4, 5, 6, 7, 8]
    assert log.is_suppressed("john.smith@example.org")[0]  # its bounce is gone, the suppression is not
    assert log.prune(retention_days=40, now=now) == 0


def test_prune_counts_from_arrival_not_from_the_bounce_date(log, tmp_path):
    old = write(tmp_path, "old.eml", dsn("old@example.org", date="Mon, 01 Jan 1996 10:00:00 +0000"))
    log.ingest([old], now=datetime(2024, 6, 1, tzinfo=timezone.utc))
    assert log.prune(retention_days=40, now=datetime(2024, 6, 20, tzinfo=timezone.utc)) == 0
    assert log.prune(retention_days=40, now=datetime(2024, 7, 20, tzinfo=timezone.utc)) == 1


# -- suppression -----------------------------------------------------------------------------------

def _bounce(log, folder, name, rcpt, day, *, status="4.2.2", diagnostic="452 4.2.2 Mailbox full", action="failed",
            hour=10):
    data = dsn(rcpt, date=f"{day:%a, %d %b %Y} {hour:02d}:00:00 +0000", status=status, diagnostic=diagnostic,
               action=action, message_id=f"<{name}@sender.example>")
    return log.ingest([write(folder, name + ".eml", data)])


def test_hard_bounce_suppresses_at_once(log, tmp_path):
    _bounce(log, tmp_path, "h", "gone@example.org", date(2024, 5, 1), status="5.1.1",
            diagnostic="550 5.1.1 User unknown")
    suppressed, reason = log.is_suppressed("Gone@Example.org")
    assert suppressed and "Hard bounce on 2024-05-01" in reason and "unknown_user" in reason
    assert log.suppression("gone@example.org").cause == "hard"


def test_soft_bounces_suppress_after_threshold_days(log, tmp_path):
    for i in range(4):
        _bounce(log, tmp_path, f"s{i}", "full@example.org", date(2024, 5, 1 + 7 * i))
    assert not log.is_suppressed("full@example.org")[0]
    _bounce(log, tmp_path, "s4", "full@example.org", date(2024, 5, 29))
    suppressed, reason = log.is_suppressed("full@example.org")
    assert suppressed and reason.startswith("Soft bounces on 5 days")


def test_soft_days_are_counted_on_the_bounce_dates_when_an_archive_is_replayed(log, tmp_path):
    folder = tmp_path / "archive"
    folder.mkdir()
    for i in range(5):
        day = date(2024, 5, 1 + i)
        write(folder, f"{i}.eml", dsn("replay@example.org", date=f"{day:%a, %d %b %Y} 10:00:00 +0000",
                                      status="4.2.2", diagnostic="452 4.2.2 Mailbox full"))
    log.ingest([str(folder)], now=datetime(2024, 9, 1, tzinfo=timezone.utc))  # one ingest, one day
    suppressed, reason = log.is_suppressed("replay@example.org")
    assert suppressed and reason.startswith("Soft bounces on 5 days") and "up to 2024-05-05" in reason
    assert log.suppression("replay@example.org").since == datetime(2024, 5, 5, 10, tzinfo=timezone.utc)


def test_many_soft_bounces_on_one_day_count_once(log, tmp_path):
    for hour in range(10):
        _bounce(log, tmp_path, f"d{hour}", "busy@example.org", date(2024, 5, 1), hour=hour)
    assert not log.is_suppressed("busy@example.org")[0]


def test_delays_do_not_count(log, tmp_path):
    for i in range(6):
        _bounce(log, tmp_path, f"w{i}", "slow@example.org", date(2024, 5, 1 + i), action="delayed",
                status="4.4.1", diagnostic="451 4.4.1 No answer")
    assert not log.is_suppressed("slow@example.org")[0]
    assert {e.outcome for e in log.search()} == {"delayed"}


def test_complaint_suppresses(log, tmp_path):
    arf = b"""From: fbl@isp.example
To: abuse@sender.example
Date: Wed, 01 May 2024 10:00:00 +0000
Subject: complaint
MIME-Version: 1.0
Content-Type: multipart/report; report-type=feedback-report; boundary="B"

--B
Content-Type: text/plain

This is an abuse report.

--B
Content-Type: message/feedback-report

Feedback-Type: abuse
User-Agent: test/1.0
Version: 1
Original-Rcpt-To: angry@example.org

--B
Content-Type: text/rfc822-headers

From: news@sender.example
To: angry@example.org
Subject: offer
Message-ID: <c1@sender.example>

--B--
"""
    log.ingest([write(tmp_path, "arf.eml", arf)])
    (entry,) = log.search()
    assert entry.group is Group.FEEDBACK and entry.category == "COMPLAINT" and entry.outcome == "complained"
    suppressed, reason = log.is_suppressed("angry@example.org")
    assert suppressed and reason.startswith("Complaint")


def test_quiet_spell_resets_the_score(log, tmp_path):
    days = [date(2024, 5, 1), date(2024, 5, 2), date(2024, 5, 3), date(2024, 5, 4),  # 4 points
            date(2024, 5, 25), date(2024, 5, 26)]                                      # 21 quiet days: reset
    for i, day in enumerate(days):
        _bounce(log, tmp_path, f"q{i}", "quiet@example.org", day)
    assert not log.is_suppressed("quiet@example.org")[0]


def test_marked_valid_then_back_when_it_keeps_failing(log, tmp_path):
    _bounce(log, tmp_path, "a", "back@example.org", date(2024, 5, 1), status="5.1.1", diagnostic="550 5.1.1 Unknown")
    assert log.unsuppress("back@example.org", now=datetime(2024, 5, 10, tzinfo=timezone.utc))
    assert log.is_suppressed("back@example.org") == (False, log.is_suppressed("back@example.org")[1])
    assert "Marked valid on 2024-05-10" in log.is_suppressed("back@example.org")[1]
    # a bounce from before the mark does not put it back
    _bounce(log, tmp_path, "b", "back@example.org", date(2024, 5, 9), status="5.1.1", diagnostic="550 5.1.1 Unknown")
    assert not log.is_suppressed("back@example.org")[0]
    # old soft failures do not count towards a new score either
    for i in range(4):
        _bounce(log, tmp_path, f"s{i}", "back@example.org", date(2024, 5, 11 + i))
    assert not log.is_suppressed("back@example.org")[0]
    _bounce(log, tmp_path, "s5", "back@example.org", date(2024, 5, 15))
    suppressed, reason = log.is_suppressed("back@example.org")
    assert suppressed and "Back on the list" in reason
    assert log.suppression("back@example.org").times == 2
    assert log.unsuppress("nobody@example.org") is False


def test_previously_bounced(log, tmp_path):
    _bounce(log, tmp_path, "a", "dead@example.org", date(2024, 5, 1), status="5.1.1", diagnostic="550 5.1.1 Unknown")
    _bounce(log, tmp_path, "b", "dead@example.org", date(2024, 5, 3), status="5.1.1", diagnostic="550 5.1.1 Unknown")
    cats = {e.bounce_date.day: e.category for e in log.search()}
    assert cats == {1: "HARD_BOUNCE", 3: "PREVIOUSLY_BOUNCED"}


def test_manual_suppression_and_cli(log, tmp_path):
    log.suppress("Manual@Example.org", reason="Asked us to stop.")
    out = io.StringIO()
    assert main(["suppression", "check", "--db", log.path, "manual@example.org"], out=out) == 1
    assert "Asked us to stop." in out.getvalue()
    assert main(["log", "unsuppress", "--db", log.path, "manual@example.org"], out=io.StringIO()) == 0
    assert main(["log", "check", "--db", log.path, "manual@example.org"], out=io.StringIO()) == 0
    out = io.StringIO()
    assert main(["suppression", "list", "--db", log.path, "--all", "--format", "jsonl"], out=out) == 0
    assert json.loads(out.getvalue())["suppressed"] is False


@pytest.mark.parametrize("days, as_of, expected", [
    ([], date(2024, 5, 1), 0),
    ([date(2024, 5, 1)] * 3, date(2024, 5, 1), 1),
    ([date(2024, 5, d) for d in range(1, 6)], date(2024, 5, 5), 5),
    ([date(2024, 4, 1), date(2024, 5, 5)], date(2024, 5, 5), 1),             # outside the 35-day window
    ([date(2024, 5, 1), date(2024, 5, 16)], date(2024, 5, 16), 1),            # 15-day gap resets
    ([date(2024, 5, 1), date(2024, 5, 15)], date(2024, 5, 15), 2),            # 14-day gap does not
    ([date(2024, 5, 1), date(2024, 5, 2)], date(2024, 5, 2), 2),
])
def test_soft_score(days, as_of, expected):
    assert soft_score(days, as_of=as_of) == expected


def test_soft_score_since_and_policy():
    days = [date(2024, 5, d) for d in range(1, 11)]
    assert soft_score(days, as_of=date(2024, 5, 10), since=date(2024, 5, 7)) == 3
    assert soft_score(days, as_of=date(2024, 5, 10), policy=SuppressionPolicy(soft_window_days=2)) == 2
    with pytest.raises(ValueError):
        SuppressionPolicy(soft_threshold=-1)


def test_soft_threshold_is_configurable(tmp_path):
    with BounceLog(str(tmp_path / "l.db"), policy=SuppressionPolicy(soft_threshold=2)) as log:
        _bounce(log, tmp_path, "a", "x@example.org", date(2024, 5, 1))
        assert not log.is_suppressed("x@example.org")[0]
        _bounce(log, tmp_path, "b", "x@example.org", date(2024, 5, 2))
        assert log.is_suppressed("x@example.org")[0]


# -- vocabularies ----------------------------------------------------------------------------------

def test_every_group_has_a_place_in_the_vocabularies():
    failures = set(Group) - NOT_FAILURES
    assert _vocab.REJECTION_GROUPS | _vocab.BOUNCE_GROUPS == failures
    assert not _vocab.REJECTION_GROUPS & _vocab.BOUNCE_GROUPS
    for group in Group:
        for action in ("failed", "delayed", "delivered", None):
            for hard in (True, False):
                assert _vocab.outcome(action, group, hard) in {
                    "delivered", "bounced", "rejected", "delayed", "suppressed", "complained"}
                assert _vocab.category(action, group, hard) in {
                    None, "HARD_BOUNCE", "SOFT_BOUNCE", "SUPPRESSED", "PREVIOUSLY_BOUNCED", "COMPLAINT"}
                assert _vocab.event(action, group, hard) in {
                    "Delivered", "Bounce", "Deferred", "Dropped", "Spam Report"}


@pytest.mark.parametrize("action, group, hard, diagnostic, words", [
    ("failed", "unknown_user", True, "550 5.1.1 unknown", ("bounced", "HARD_BOUNCE", "Bounce")),
    ("failed", "mailbox_full", False, "552 full", ("bounced", "SOFT_BOUNCE", "Bounce")),
    ("failed", "spam_detected", False, "554 spam", ("rejected", "SOFT_BOUNCE", "Bounce")),
    ("delayed", "network_error", False, "timeout", ("delayed", "SOFT_BOUNCE", "Deferred")),
    ("failed", "unknown_user", True,
     "Amazon SES has suppressed sending to this address because it has a recent history of bouncing",
     ("suppressed", "SUPPRESSED", "Dropped")),
    ("failed", "feedback", False, "abuse", ("complained", "COMPLAINT", "Spam Report")),
    ("delivered", "delivered", False, "250 ok", ("delivered", None, "Delivered")),
])
def test_vocabulary_words(action, group, hard, diagnostic, words):
    got = (_vocab.outcome(action, group, hard, diagnostic), _vocab.category(action, group, hard, diagnostic),
           _vocab.event(action, group, hard, diagnostic))
    assert got == words


# -- schema and concurrency ------------------------------------------------------------------------

def test_migration_from_version_1(tmp_path):
    path = str(tmp_path / "old.db")
    conn = sqlite3.connect(path, isolation_level=None)
    assert migrate(conn, target=1) == 1
    conn.execute("INSERT INTO messages (hash, received, received_from, ingested_at, is_bounce) "
                 "VALUES ('h', '2024-05-01T00:00:00Z', 'date', '2024-05-01T00:00:00Z', 1)")
    conn.execute("INSERT INTO bounces (message_hash, recipient, recipient_lc, received, grp, hard, diagnostic, "
                 "diagnostic_lc) VALUES ('h', 'Old@Example.org', 'old@example.org', '2024-05-01T00:00:00Z', "
                 "'unknown_user', 1, 'User unknown', 'user unknown')")
    conn.close()
    with BounceLog(path) as log:
        version = log.connection.execute("SELECT version FROM schema_version").fetchone()[0]
        assert version == SCHEMA_VERSION
        assert [e.recipient for e in log.search(to="old@exa")] == ["Old@Example.org"]
        assert [e.recipient for e in log.search(error="unknown")] == ["Old@Example.org"]


def test_migration_to_version_3_moves_received_to_bounce_date(tmp_path):
    path = str(tmp_path / "v2.db")
    conn = sqlite3.connect(path, isolation_level=None)
    assert migrate(conn, target=2) == 2
    conn.execute("INSERT INTO messages (hash, received, received_from, ingested_at, is_bounce) "
                 "VALUES ('h', '1996-05-01T10:00:00Z', 'date', '2024-06-01T12:00:00Z', 1)")
    conn.execute("INSERT INTO bounces (message_hash, recipient, recipient_lc, received, grp, hard, diagnostic, "
                 "diagnostic_lc) VALUES ('h', 'old@example.org', 'old@example.org', '1996-05-01T10:00:00Z', "
                 "'unknown_user', 1, 'User unknown', 'user unknown')")
    conn.close()
    with BounceLog(path) as log:
        assert log.connection.execute("SELECT version FROM schema_version").fetchone()[0] == SCHEMA_VERSION >= 3
        (entry,) = log.search(start="2024-06-01", end="2024-06-01")
        assert entry.received == datetime(2024, 6, 1, 12, tzinfo=timezone.utc)
        assert entry.bounce_date == datetime(1996, 5, 1, 10, tzinfo=timezone.utc)
        assert entry.bounce_date_from == "date"
        assert log.count(start="1996-05-01", end="1996-05-01") == 0
        assert log.connection.execute("SELECT received, bounce_date FROM messages").fetchone() == (
            "2024-06-01T12:00:00Z", "1996-05-01T10:00:00Z")
        indexes = {r[0]: r[1] for r in log.connection.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")}
        assert "bounce_date" in indexes["bounces_recipient"]


def test_migration_to_version_4_marks_old_rows_as_failures(tmp_path):
    path = str(tmp_path / "v3.db")
    conn = sqlite3.connect(path, isolation_level=None)
    assert migrate(conn, target=3) == 3
    conn.execute("INSERT INTO messages (hash, received, bounce_date, bounce_date_from, ingested_at, is_bounce) "
                 "VALUES ('h', '2024-06-01T12:00:00Z', '2024-06-01T11:00:00Z', 'date', '2024-06-01T12:00:00Z', 1)")
    conn.execute("INSERT INTO bounces (message_hash, recipient, recipient_lc, received, bounce_date, grp, hard, "
                 "diagnostic, diagnostic_lc) VALUES ('h', 'a@example.org', 'a@example.org', '2024-06-01T12:00:00Z', "
                 "'2024-06-01T11:00:00Z', 'unknown_user', 1, 'User unknown', 'user unknown')")
    conn.close()
    with BounceLog(path) as log:
        assert log.count() == 1 == log.count(failures_only=False)


def test_a_newer_schema_is_refused(tmp_path):
    path = str(tmp_path / "new.db")
    BounceLog(path).close()
    conn = sqlite3.connect(path)
    conn.execute("UPDATE schema_version SET version = 999")
    conn.commit()
    conn.close()
    with pytest.raises(LogError, match="newer"):
        BounceLog(path)


def test_not_a_database(tmp_path):
    path = tmp_path / "junk.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(LogError):
        BounceLog(str(path))


def _ingest_in_process(db: str, folder: str) -> int:
    with BounceLog(db) as log:
        return log.ingest([folder], batch_size=7).records


def test_concurrent_ingest_from_two_processes(tmp_path):
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(120):
        write(folder, f"{i:03d}.eml", dsn(f"user{i}@example.org", message_id=f"<c{i}@sender.example>",
                                          date=f"Wed, {1 + i % 28:02d} May 2024 10:00:00 +0000"))
    db = str(tmp_path / "shared.db")
    BounceLog(db).close()
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(2) as pool:
        added = pool.starmap(_ingest_in_process, [(db, str(folder)), (db, str(folder))])
    assert sum(added) == 120
    with BounceLog(db) as log:
        assert log.count() == 120
        assert len({e.recipient for e in log.search(limit=None)}) == 120


# -- command line ----------------------------------------------------------------------------------

def test_cli_ingest_show_prune(mail_dir, tmp_path):
    db = str(tmp_path / "cli.db")
    out = io.StringIO()
    assert main(["log", "ingest", "--db", db, mail_dir], out=out, err=io.StringIO()) == 0
    assert f"{len(RECIPIENTS)} records added" in out.getvalue()
    out = io.StringIO()
    assert main(["log", "ingest", "--db", db, mail_dir], out=out, err=io.StringIO()) == 0
    assert "0 records added" in out.getvalue()
    out = io.StringIO()
    assert main(["log", "show", "--db", db, "1"], out=out) == 0
    text = out.getvalue()
    for label in ("sender:", "return-path:", "destination:", "subject:", "message-id:", "X-Campaign-ID:", "response:"):
        assert label in text
    assert main(["log", "show", "--db", db, "999"], out=io.StringIO(), err=io.StringIO()) == 1
    assert "bounce date:" in text and "(its Date header)" in text
    out = io.StringIO()
    today = datetime.now(timezone.utc).date().isoformat()
    assert main(["log", "search", "--db", db, "--start", today, "--end", today], out=out) == 0
    assert f"{len(RECIPIENTS)} matching records" in out.getvalue()
    out = io.StringIO()
    assert main(["log", "search", "--db", db, "--start", "2024-05-01", "--end", "2024-05-01"], out=out) == 0
    assert "0 matching records" in out.getvalue()
    assert main(["log", "search", "--db", db, "--start", "yesterday"], out=io.StringIO(), err=io.StringIO()) == 2
    out = io.StringIO()
    assert main(["log", "prune", "--db", db, "--retention-days", "40"], out=out) == 0
    assert "records older than 40 days deleted" in out.getvalue()


def test_default_db_path_honours_the_environment(monkeypatch, tmp_path, mail_dir):
    monkeypatch.setenv("BOUNCEKIT_DB", str(tmp_path / "env.db"))
    assert main(["log", "ingest", "--quiet", mail_dir], out=io.StringIO()) == 0
    assert (tmp_path / "env.db").exists()


def test_cli_search_and_export_filter_hard_soft_delivered_and_sort(tmp_path):
    db = str(tmp_path / "kinds.db")
    with BounceLog(db) as log:
        _bounce(log, tmp_path, "hard", "gone@example.org", date(2024, 5, 1), status="5.1.1",
                diagnostic="550 5.1.1 User unknown")
        _bounce(log, tmp_path, "soft", "full@example.org", date(2024, 5, 2))
        _bounce(log, tmp_path, "ok", "fine@example.org", date(2024, 5, 3), status="2.0.0",
                diagnostic="250 2.0.0 Ok", action="delivered")

    def recipients(*options: str) -> list[str]:
        out = io.StringIO()
        assert main(["log", "search", "--db", db, "--format", "jsonl", *options], out=out) == 0
        return [json.loads(line)["recipient"] for line in out.getvalue().splitlines()]

    assert recipients("--hard") == ["gone@example.org"]
    assert recipients("--soft") == ["full@example.org"]
    assert sorted(recipients()) == ["full@example.org", "gone@example.org"]
    assert sorted(recipients("--include-delivered")) == ["fine@example.org", "full@example.org", "gone@example.org"]
    assert recipients("--sort", "recipient") == ["full@example.org", "gone@example.org"]
    assert recipients("--sort=-recipient") == ["gone@example.org", "full@example.org"]
    target = str(tmp_path / "soft.csv")
    assert main(["log", "export", "--db", db, "--soft", "--sort", "recipient", "--output", target],
                out=io.StringIO(), err=io.StringIO()) == 0
    with open(target, encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == list(CSV_COLUMNS) and [r[3] for r in rows[1:]] == ["full@example.org"]
    # --hard and --soft exclude each other; an unknown order is refused: usage errors, exit 2
    assert main(["log", "search", "--db", db, "--hard", "--soft"], out=io.StringIO(), err=io.StringIO()) == 2
    assert main(["log", "search", "--db", db, "--sort", "size"], out=io.StringIO(), err=io.StringIO()) == 2
