"""The web console in a real headless browser: Chromium from the distribution, driven by Playwright.

``bouncekit serve`` runs as its own process on 127.0.0.1 and a free port, over a log built from
fixtures/ (and, for issue 9's acceptance, from the shared sisimai corpus). No browser is
downloaded: Playwright launches the system's Chromium (``$BOUNCEKIT_CHROMIUM``, else
``chromium`` on the PATH, else ``/usr/bin/chromium``). Without one these tests skip with a
message, except under ``CI=true``, where ``.ci/run`` installs it and they must run.

Screenshots of every page go to ``test-output/screenshots/`` (``$BOUNCEKIT_TEST_OUTPUT``), not
committed, for a reviewer to look at.
"""

from __future__ import annotations

import csv
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator

import pytest

from bouncekit.log import BounceLog

from _bounces import dsn

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
FIXTURES = os.path.join(ROOT, "fixtures")
CORPUS = os.path.join(ROOT, "..", "shared", "corpus", "sisimai")
OUTPUT = os.environ.get("BOUNCEKIT_TEST_OUTPUT") or os.path.join(ROOT, "test-output")
SHOTS = os.path.join(OUTPUT, "screenshots")
IN_CI = os.environ.get("CI") == "true"

#: Chromium's flags for a quiet, self-contained headless run (no network of its own, no GPU).
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _need(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"{reason} Under CI=true the browser tests must run: .ci/run installs what they need.")
    pytest.skip(reason)


def _chromium() -> str:
    for candidate in (os.environ.get("BOUNCEKIT_CHROMIUM"), shutil.which("chromium"), "/usr/bin/chromium"):
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    _need("No Chromium found (apt-get install chromium, or set BOUNCEKIT_CHROMIUM); browser tests skipped.")
    raise AssertionError  # not reached


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``bouncekit serve`` in a child process."""

    def __init__(self, db: str) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_file = tempfile.TemporaryFile()
        self.proc = subprocess.Popen([sys.executable, "-m", "bouncekit", "serve", "--db", db, "--port", str(self.port)],
                                     stdout=self.log_file, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(self.url + "/api/groups", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                self.log_file.seek(0)
                raise RuntimeError(f"bouncekit serve did not start: {self.log_file.read().decode(errors='replace')}")
            time.sleep(0.1)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.log_file.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _need("Playwright is not installed (pip install 'bouncekit[test]'); browser tests skipped.")
    executable = _chromium()
    with tempfile.TemporaryDirectory(prefix="bouncekit-chromium-") as profile, sync_playwright() as pw:
        # a persistent context on a fresh directory: Playwright passes it as --user-data-dir
        context = pw.chromium.launch_persistent_context(
            profile, executable_path=executable, headless=True, args=FLAGS, accept_downloads=True,
            viewport={"width": 1280, "height": 900})
        yield context
        context.close()


PAGING = [f"user{i:02d}@paging.example" for i in range(23)]


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("browser")
    mail = folder / "mail"
    mail.mkdir()
    for i, rcpt in enumerate(PAGING):
        status, text = ("5.1.1", f"550 5.1.1 <{rcpt}>: Recipient address rejected: User unknown") if i % 2 else \
            ("4.2.2", f"452 4.2.2 <{rcpt}>: Mailbox full")
        (mail / f"p{i:02d}.eml").write_bytes(dsn(rcpt, status=status, diagnostic=text, subject=f"Newsletter {i}",
                                                 message_id=f"<p{i}@sender.example>"))
    (mail / "xss.eml").write_bytes(dsn("victim@xss.example", diagnostic="550 5.1.1 <script>alert(1)</script> gone",
                                       subject="<b>bold</b>"))
    db = str(folder / "log.db")
    with BounceLog(db) as log:
        log.ingest([FIXTURES, str(mail)])
    srv = Server(db)
    yield srv
    srv.stop()


def shot(page, name: str) -> None:
    os.makedirs(SHOTS, exist_ok=True)
    page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def result_rows(page) -> list[str]:
    return [t.strip() for t in page.locator("#results td.to").all_inner_texts()]


def search(page, base: str, part: str, **fields: str) -> None:
    page.goto(base + "/")
    page.fill("input[name=to]", part)
    for name, value in fields.items():
        page.fill(f"input[name={name}]", value)
    page.click("form.search button[type=submit]")
    page.wait_for_load_state()


def collect_all_pages(page) -> list[str]:
    seen = result_rows(page)
    while page.locator(".pager a[rel=next]").count():
        page.click(".pager a[rel=next]")
        page.wait_for_load_state()
        seen += result_rows(page)
    return seen


def read_csv(download) -> list[list[str]]:
    path = download.path()
    raw = open(path, "rb").read()
    assert b"\r\n" not in raw
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


# -- the scenarios ----------------------------------------------------------------------------------

def test_search_by_partial_address_and_page_through(browser, server):
    page = browser.new_page()
    search(page, server.url, "PAGING.ex")
    assert "23 records match" in page.inner_text("#summary")
    assert page.locator("#results tbody tr").count() == 10
    shot(page, "error-log")
    seen = collect_all_pages(page)
    assert sorted(seen) == sorted(PAGING)  # exactly the matching records, each once, over 3 pages
    assert "page 3 of 3" in page.inner_text(".pager")
    page.close()


def test_sort_and_failures_switch(browser, server):
    page = browser.new_page()
    search(page, server.url, "paging.example")
    page.click("th a:text('Destination')")
    page.wait_for_load_state()
    assert result_rows(page) == sorted(PAGING)[:10]
    page.click("th a:text('Destination')")
    page.wait_for_load_state()
    assert result_rows(page) == sorted(PAGING, reverse=True)[:10]
    page.uncheck("input[type=checkbox][name=failures]")
    page.click("form.search button[type=submit]")
    page.wait_for_load_state()
    assert not page.is_checked("input[type=checkbox][name=failures]")
    page.close()


def test_detail_shows_the_response_message(browser, server):
    page = browser.new_page()
    search(page, server.url, "user07@paging")
    assert result_rows(page) == ["user07@paging.example"]
    page.click("#results td.date a")
    page.wait_for_load_state()
    assert page.inner_text("#response") == "550 5.1.1 <user07@paging.example>: Recipient address rejected: User unknown"
    text = page.inner_text("dl.detail")
    for label in ("Sender", "Return-Path", "Destination", "Message-ID", "Group", "Decided by"):
        assert label in text
    assert "unknown_user: The mailbox does not exist at the destination." in text
    shot(page, "detail")
    page.close()


def test_csv_download_of_the_search(browser, server):
    page = browser.new_page()
    search(page, server.url, "paging")
    with page.expect_download() as info:
        page.click("#csv")
    rows = read_csv(info.value)
    assert rows[0] == ["received", "status", "from", "to", "message ID", "error"]
    assert sorted(r[3] for r in rows[1:]) == sorted(PAGING)
    page.close()


def test_mark_an_address_as_valid(browser, server):
    page = browser.new_page()
    page.goto(server.url + "/suppression")
    shot(page, "suppression")
    row = page.locator("#suppressed tr", has_text="user01@paging.example")
    assert row.count() == 1
    row.locator("button", has_text="Mark as valid").click()
    page.wait_for_load_state()
    assert "user01@paging.example is marked valid" in page.inner_text("main")
    assert page.locator("#suppressed tr", has_text="user01@paging.example").count() == 0
    with urllib.request.urlopen(server.url + "/api/suppression/user01@paging.example") as response:
        assert b'"suppressed":false' in response.read().replace(b" ", b"")
    page.close()


def test_mail_text_renders_as_text(browser, server):
    page = browser.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    search(page, server.url, "xss.example")
    assert "<script>alert(1)</script>" in page.inner_text("#results")
    page.click("#results td.date a")
    page.wait_for_load_state()
    assert "<script>alert(1)</script>" in page.inner_text("#response")
    assert "<b>bold</b>" in page.inner_text("dl.detail")
    assert dialogs == []
    page.close()


def test_overview_and_bad_dates(browser, server):
    page = browser.new_page()
    page.goto(server.url + "/overview")
    assert page.locator("svg#per-day rect.bar").count() >= 1
    assert page.locator("svg#per-group rect.bar").count() >= 3
    shot(page, "overview")
    page.goto(server.url + "/?start=2024-02-30")
    assert "is not a date of the form YYYY-MM-DD" in page.inner_text("[role=alert]")
    page.close()


# -- issue 9's acceptance, on the shared corpus ------------------------------------------------------

def test_acceptance_on_the_sisimai_corpus(browser, tmp_path):
    if not os.path.isdir(CORPUS):
        if IN_CI:
            pytest.fail(f"The shared corpus is missing at {CORPUS}.")
        pytest.skip(f"The shared corpus is not at {CORPUS}.")
    db = str(tmp_path / "x.db")
    subprocess.run([sys.executable, "-m", "bouncekit", "log", "ingest", CORPUS, "--db", db, "--quiet"], check=True)
    with BounceLog(db) as log:
        everything = list(log.entries())
    part = "neko@"  # mikeneko@, shironeko@, neko@...: several pages of matches
    expected = sorted(e.recipient for e in everything if part in e.recipient.lower())
    assert 10 < len(expected) <= 100
    srv = Server(db)
    try:
        page = browser.new_page()
        search(page, srv.url, part)
        assert sorted(collect_all_pages(page)) == expected
        search(page, srv.url, part)
        page.click("#results td.date a")
        page.wait_for_load_state()
        shown_id = int(page.url.rsplit("/", 1)[1])
        (entry,) = [e for e in everything if e.id == shown_id]
        assert page.inner_text("#response").split() == entry.diagnostic.split()
        search(page, srv.url, part)
        with page.expect_download() as info:
            page.click("#csv")
        rows = read_csv(info.value)
        assert rows[0] == ["received", "status", "from", "to", "message ID", "error"]
        assert len(rows) - 1 == len(expected)
        page.close()
    finally:
        srv.stop()
