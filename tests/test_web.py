"""The web console's routes against a real SQLite log on disk, built from fixtures/ and a few crafted bounces."""

from __future__ import annotations

import csv
import io
import os
import re
from datetime import datetime, timedelta, timezone
from html import unescape

import pytest

from bouncekit.log import BounceLog
from bouncekit.model import Group

from _bounces import dsn

if os.environ.get("CI") == "true":  # under CI the web extra must be installed: fail, do not skip
    import starlette  # noqa: F401
else:
    pytest.importorskip("starlette", reason="the web extra is not installed: pip install 'bouncekit[web]'")

from starlette.testclient import TestClient  # noqa: E402

from bouncekit.web import create_app  # noqa: E402
from bouncekit.web._groups import GROUP_DESCRIPTIONS  # noqa: E402
from bouncekit.web._search import Search  # noqa: E402

ROOT = os.path.join(os.path.dirname(__file__), "..")
FIXTURES = os.path.join(ROOT, "fixtures")
XSS = "<script>alert('x')</script>"

CRAFTED = [
    ("xss.eml", dict(recipient="victim@xss.example", diagnostic=f"550 5.1.1 {XSS} unknown",
                     subject="<img src=x onerror=alert(1)>", extra=f"X-Api-Data: {XSS}\n")),
    ("quote.eml", dict(recipient="o'brien@quotes.example", diagnostic='550 5.1.1 "quoted" user unknown')),
    ("percent.eml", dict(recipient="per%cent@quotes.example", diagnostic="452 4.2.2 Mailbox full (100%)",
                         status="4.2.2")),
    ("under.eml", dict(recipient="a_b@quotes.example", diagnostic="550 5.1.1 no such user")),
    ("axb.eml", dict(recipient="axb@quotes.example", diagnostic="550 5.1.1 no such user")),
    ("ok.eml", dict(recipient="fine@quotes.example", action="delivered", status="2.0.0", diagnostic="250 2.0.0 OK")),
]


def _write(folder, name, data):
    path = os.path.join(folder, name)
    with open(path, "wb") as fh:
        fh.write(data)
    return path


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    folder = tmp_path_factory.mktemp("web")
    crafted = folder / "crafted"
    crafted.mkdir()
    for i, (name, kwargs) in enumerate(CRAFTED):
        recipient = kwargs.pop("recipient")
        _write(crafted, name, dsn(recipient, message_id=f"<w{i}@sender.example>", **kwargs))
        kwargs["recipient"] = recipient
    path = str(folder / "log.db")
    with BounceLog(path) as log:
        log.ingest([FIXTURES, str(crafted)])
        assert log.count() > 50
    return path


@pytest.fixture(scope="module")
def client(db):
    with TestClient(create_app(db), base_url="http://127.0.0.1:8025") as c:
        yield c


@pytest.fixture(scope="module")
def log(db):
    with BounceLog(db) as opened:
        yield opened


def rows(html: str) -> list[str]:
    """The destination cells of the results table, in order."""
    return [unescape(m) for m in re.findall(r'<td class="to">(.*?)</td>', html)]


def ids(html: str) -> list[int]:
    return [int(m) for m in re.findall(r'<a href="/entry/(\d+)">', html)]


def all_pages(client, query: str) -> list[int]:
    seen: list[int] = []
    for page in range(1, 11):
        html = client.get(f"/?{query}&page={page}").text
        got = ids(html)
        if not got or (seen and got[0] in seen):
            break
        seen += got
    return seen


# -- the error log page -----------------------------------------------------------------------------

def test_every_page_answers(client):
    for url in ("/", "/overview", "/suppression", "/suppression?all=1", "/static/style.css", "/login",
                "/api/search", "/api/overview", "/api/suppression", "/api/groups"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "content-security-policy" in response.headers and "script-src" not in response.headers[
            "content-security-policy"]


def test_default_range_is_the_last_seven_days(client):
    html = client.get("/").text
    today = datetime.now(timezone.utc).date()
    assert f'name="start" value="{today - timedelta(days=6)}"' in html
    assert f'name="end" value="{today}"' in html
    assert "only the first 100 are shown" in html  # everything was ingested today


@pytest.mark.parametrize("part", ["quotes.example", "QUOTES", "o'b", "'", "%", "per%", "_", "a_b", "x", "example",
                                  '"', "\\", "nobody-has-this"])
def test_search_by_part_of_address_shows_exactly_the_matches(client, log, part):
    expected = sorted(e.id for e in log.entries() if part.lower() in e.recipient.lower())
    query = Search(start="2000-01-01", end="2100-01-01", to=part).query()
    got = all_pages(client, query)
    assert len(got) == len(set(got)) == min(len(expected), 100)  # newest first, at most 100
    assert set(got) <= set(expected)
    if len(expected) <= 100:
        assert sorted(got) == expected
    html = client.get(f"/?{query}").text
    assert all(part.lower() in r.lower() for r in rows(html))
    if not expected:
        assert "No records match this search." in html


def test_error_text_group_and_kind(client, log):
    html = client.get("/?" + Search(start="2000-01-01", end="2100-01-01", error='"quoted"').query()).text
    assert rows(html) == ["o'brien@quotes.example"]
    html = client.get("/?" + Search(start="2000-01-01", end="2100-01-01", error="100%", to="quotes").query()).text
    assert rows(html) == ["per%cent@quotes.example"]
    soft = client.get("/?start=2000-01-01&to=quotes.example&kind=soft").text
    assert rows(soft) == ["per%cent@quotes.example"]
    hard = client.get("/?start=2000-01-01&to=quotes.example&kind=hard").text
    assert "per%cent@quotes.example" not in rows(hard) and len(rows(hard)) == 3
    group = client.get("/?start=2000-01-01&to=quotes.example&group=mailbox_full").text
    assert rows(group) == ["per%cent@quotes.example"]


def test_show_only_failures_switch(client):
    on = client.get("/?to=quotes.example").text
    off = client.get("/?to=quotes.example&failures=0").text
    both = client.get("/?to=quotes.example&failures=0&failures=1").text  # the form: hidden 0, then ticked 1
    assert "fine@quotes.example" not in rows(on) and "fine@quotes.example" not in rows(both)
    assert "fine@quotes.example" in rows(off)
    assert 'name="failures" value="1" checked' in on and 'name="failures" value="1" checked' not in off


def test_more_than_100_results_paged_by_10(client, log):
    total = log.count()
    assert total > 100
    html = client.get("/").text
    assert f"<strong>{total}</strong> records match; only the first 100 are shown" in html
    assert "Narrow the search" in html
    assert len(ids(html)) == 10
    assert "page 1 of 10" in html
    last = client.get("/?page=10").text
    assert "page 10 of 10" in last and len(ids(last)) == 10
    assert "page 10 of 10" in client.get("/?page=99").text
    assert "page 1 of 10" in client.get("/?page=abc").text
    seen = all_pages(client, "failures=1")
    assert len(seen) == len(set(seen)) == 100
    assert seen == [e.id for e in log.search(limit=100)]


def test_sortable_columns(client, log):
    html = client.get("/?to=quotes.example&order=recipient").text
    assert rows(html) == sorted(rows(html), key=str.lower)
    html = client.get("/?to=quotes.example&order=-recipient").text
    assert rows(html) == sorted(rows(html), key=str.lower, reverse=True)
    assert "order=-recipient" in client.get("/?to=quotes.example&order=recipient").text  # the heading flips it
    subjects = [e.original_subject or "" for e in log.search(to="quotes.example", order="subject")]
    html = client.get("/?to=quotes.example&order=subject").text
    assert [unescape(s) for s in re.findall(r'<td class="subject">(.*?)</td>', html)] == subjects
    # an unknown order is ignored, never put into SQL
    assert client.get("/?order=recipient%3BDROP%20TABLE%20bounces").status_code == 200
    assert log.count() > 0


@pytest.mark.parametrize("query, message", [
    ("start=2024-13-01", "The start date “2024-13-01” is not a date of the form YYYY-MM-DD"),
    ("start=yesterday", "The start date “yesterday” is not a date"),
    ("end=05%2F01%2F2024", "The end date “05/01/2024” is not a date"),
    ("start=2024-05-03&end=2024-05-01", "The start date 2024-05-03 is after the end date 2024-05-01."),
    ("group=nonsense", "“nonsense” is not an error group."),
    ("kind=medium", "“medium” is neither hard nor soft."),
])
def test_bad_search_gives_a_clear_message_not_a_500(client, query, message):
    for url in ("/?", "/overview?", "/export.csv?"):
        response = client.get(url + query)
        assert response.status_code == 400, url
        assert message in unescape(response.text)
        assert 'role="alert"' in response.text
    api = client.get("/api/search?" + query)
    assert api.status_code == 400 and message in api.json()["error"]


# -- escaping ---------------------------------------------------------------------------------------

def test_mail_text_is_escaped_everywhere(client, log):
    (entry,) = log.search(to="victim@xss.example")
    pages = [client.get("/?to=xss.example").text, client.get(f"/entry/{entry.id}").text,
             client.get("/suppression").text, client.get("/overview?to=xss").text]
    for html in pages:
        assert "<script>" not in html and "<img src=x" not in html
    detail = pages[1]
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in detail  # the diagnostic, as text
    assert "&lt;img src=x onerror=alert(1)&gt;" in detail  # the subject
    assert detail.count("&lt;script&gt;") >= 2  # and the X-Api-Data header
    assert "&lt;script&gt;" in pages[0] and "&lt;script&gt;" in pages[2]


# -- detail -----------------------------------------------------------------------------------------

def test_detail_view(client, log):
    (entry,) = log.search(to="o'brien@quotes.example")
    html = unescape(client.get(f"/entry/{entry.id}").text)
    for text in ("Received", "Bounce date", "Sender", "news@sender.example", "Return-Path", "bounces@sender.example",
                 "Destination", "o'brien@quotes.example", "Subject", "Hello", "Message-ID", "w1@sender.example",
                 "Response message", '550 5.1.1 "quoted" user unknown', "unknown_user",
                 GROUP_DESCRIPTIONS[Group.UNKNOWN_USER], "Decided by", entry.rule, "Code 5.1.1"):
        assert text in html, text
    (xss,) = log.search(to="victim@xss.example")
    assert "X-Api-Data" in client.get(f"/entry/{xss.id}").text


def test_detail_of_a_missing_entry(client):
    for url in ("/entry/999999", "/entry/abc", "/entry/0", "/entry/-1"):
        response = client.get(url)
        assert response.status_code == 404 and "The log has no entry" in response.text
    assert client.get("/api/entries/999999").status_code == 404


def test_every_group_has_the_description_of_docs_groups_md():
    doc = open(os.path.join(ROOT, "docs", "groups.md"), encoding="utf-8").read()
    meanings = {m.group(1): m.group(2).strip().replace("`", "")
                for m in re.finditer(r"^\| `([a-z_]+)` \| ([^|]+?) \|", doc, re.M)}
    assert {g.value: d for g, d in GROUP_DESCRIPTIONS.items()} == meanings
    assert set(GROUP_DESCRIPTIONS) == set(Group)


# -- CSV --------------------------------------------------------------------------------------------

def test_csv_download_has_all_results_exact_header_and_lf(client, log):
    response = client.get("/export.csv")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"].startswith("attachment; filename=")
    raw = response.content
    assert raw.split(b"\n", 1)[0] == b"received,status,from,to,message ID,error"
    assert b"\r\n" not in raw.replace(b'\r\n"', b"")  # line ends are LF (a CR inside a quoted field aside)
    table = list(csv.reader(io.StringIO(raw.decode("utf-8"), newline="")))
    assert len(table) - 1 == log.count() > 100  # all of them, not the 100 shown
    expected = io.StringIO()
    log.export_csv(expected)
    assert raw.decode("utf-8") == expected.getvalue()


def test_csv_download_of_a_search(client, log):
    response = client.get("/export.csv?start=2000-01-01&to=o'b&failures=1")
    table = list(csv.DictReader(io.StringIO(response.text, newline="")))
    assert [r["to"] for r in table] == ["o'brien@quotes.example"]
    assert table[0]["error"] == '550 5.1.1 "quoted" user unknown' and table[0]["message ID"] == "w1@sender.example"


# -- suppression ------------------------------------------------------------------------------------

def _csrf(client) -> str:
    client.get("/suppression")
    return client.cookies["bouncekit_csrf"]


def test_suppression_page_and_mark_as_valid(db):
    with TestClient(create_app(db), base_url="http://127.0.0.1:8025") as client, BounceLog(db) as log:
        html = client.get("/suppression").text
        assert "axb@quotes.example" in html and "Mark as valid" in html
        token = client.cookies["bouncekit_csrf"]
        assert f'name="csrf" value="{token}"' in html
        # without the token, or with a wrong one, or from another site: refused, nothing changes
        for data, headers in (({"address": "axb@quotes.example"}, {}),
                              ({"address": "axb@quotes.example", "csrf": "forged"}, {}),
                              ({"address": "axb@quotes.example", "csrf": token}, {"Origin": "http://evil.example"})):
            response = client.post("/suppression/valid", data=data, headers=headers, follow_redirects=False)
            assert response.status_code == 403
            assert log.is_suppressed("axb@quotes.example")[0]
        response = client.post("/suppression/valid", data={"address": "axb@quotes.example", "csrf": token},
                               headers={"Origin": "http://127.0.0.1:8025"}, follow_redirects=False)
        assert response.status_code == 303
        assert not log.is_suppressed("axb@quotes.example")[0]
        page = client.get(response.headers["location"]).text
        assert "axb@quotes.example is marked valid" in page
        assert "axb@quotes.example" in client.get("/suppression?all=1").text
        again = client.post("/suppression/valid", data={"address": "axb@quotes.example", "csrf": token})
        assert "is not on the suppression list" in again.text
        assert client.get("/suppression/valid").status_code == 405  # state changes only by POST


# -- overview ---------------------------------------------------------------------------------------

def test_overview_draws_svg_counts(client, log):
    html = client.get("/overview").text
    assert '<svg class="chart" id="per-day"' in html and '<svg class="chart" id="per-group"' in html
    by_group = log.count_by("group")
    for group, n in by_group:
        assert f"<title>{group}: {n}</title>" in html
    assert f"<strong>{log.count()}</strong> records" in html
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")  # nothing from elsewhere


def test_overview_of_an_empty_range(client):
    html = client.get("/overview?start=2001-01-01&end=2001-01-31").text
    assert "<strong>0</strong> records" in html and "<svg" not in html


# -- JSON API ---------------------------------------------------------------------------------------

def test_api(client, log):
    data = client.get("/api/search?to=quotes.example&limit=2").json()
    assert data["total"] == log.count(to="quotes.example") and len(data["entries"]) == 2
    assert {"received", "bounce_date", "recipient", "diagnostic", "outcome"} <= set(data["entries"][0])
    entry = client.get(f"/api/entries/{data['entries'][0]['id']}").json()
    assert entry["group_description"] and entry["recipient"] == data["entries"][0]["recipient"]
    overview = client.get("/api/overview").json()
    assert overview["total"] == log.count() and sum(g["count"] for g in overview["per_group"]) == log.count()
    assert client.get("/api/suppression").json()["addresses"]
    check = client.get("/api/suppression/victim@xss.example").json()
    assert check["suppressed"] is True and "Hard bounce" in check["reason"]
    assert client.get("/api/search?limit=0").status_code == 400
    assert len(client.get("/api/groups").json()["groups"]) == len(Group)


# -- safety: token, host ----------------------------------------------------------------------------

def test_token_is_required_on_every_page(db):
    with TestClient(create_app(db, token="s3cret"), base_url="http://127.0.0.1:8025") as client:
        for url in ("/", "/entry/1", "/export.csv", "/suppression", "/overview"):
            response = client.get(url, follow_redirects=False)
            assert response.status_code == 303 and response.headers["location"].startswith("/login?next=")
        assert client.get("/api/search").status_code == 401
        assert client.get("/api/search", headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert client.get("/api/search", headers={"Authorization": "Bearer s3cret"}).status_code == 200
        login = client.get("/login")
        assert login.status_code == 200 and 'type="password"' in login.text
        csrf = client.cookies["bouncekit_csrf"]
        wrong = client.post("/login", data={"token": "nope", "csrf": csrf, "next": "/overview"})
        assert wrong.status_code == 401 and "not right" in wrong.text
        assert client.post("/login", data={"token": "s3cret", "next": "/"}).status_code == 403  # no CSRF token
        ok = client.post("/login", data={"token": "s3cret", "csrf": csrf, "next": "//evil.example/"},
                         follow_redirects=False)
        assert ok.status_code == 303 and ok.headers["location"] == "/"  # no open redirect
        assert "s3cret" not in ok.headers["set-cookie"] and "httponly" in ok.headers["set-cookie"].lower()
        assert client.get("/").status_code == 200  # the cookie now


def test_login_by_link(db):
    with TestClient(create_app(db, token="s3cret"), base_url="http://127.0.0.1:8025") as client:
        response = client.get("/login?token=s3cret&next=/suppression", follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"] == "/suppression"
        assert client.get("/suppression").status_code == 200


def test_foreign_host_names_are_refused_on_loopback(db):
    with TestClient(create_app(db), base_url="http://rebind.evil.example:8025") as client:
        assert client.get("/").status_code == 421
    with TestClient(create_app(db), base_url="http://localhost:8025") as client:
        assert client.get("/").status_code == 200
    with TestClient(create_app(db, host="0.0.0.0"), base_url="http://console.example") as client:
        assert client.get("/").status_code == 200


def test_missing_log_is_an_error_not_a_new_file(tmp_path):
    from bouncekit.cli import main
    from bouncekit.log import LogError

    with pytest.raises(LogError, match="no bounce log"):
        create_app(str(tmp_path / "none.db"))
    err = io.StringIO()
    assert main(["serve", "--db", str(tmp_path / "none.db")], out=io.StringIO(), err=err) == 2
    assert "There is no bounce log" in err.getvalue() and not (tmp_path / "none.db").exists()


# -- the search form, unit ---------------------------------------------------------------------------

def test_search_from_params():
    s = Search.from_params({"to": " Foo ", "group": "Unknown_User", "kind": "hard"}, {"failures": ["0", "1"]})
    assert s.to == "Foo" and s.group == "unknown_user" and s.failures_only and not s.problems
    assert s.filters()["hard"] is True
    assert Search.from_params({}, {"failures": ["0"]}).failures_only is False
    assert Search.from_params({"end": "2024-05-10"}).start == "2024-05-04"
    assert Search.from_params({"order": "bogus"}).order == "-received"


def test_chart_days():
    from datetime import date

    from bouncekit.web._charts import columns, fill_days

    days = fill_days([("2024-05-03", 2)], date(2024, 5, 1), date(2024, 5, 7))
    assert days == [(f"2024-05-0{d}", 2 if d == 3 else 0) for d in range(1, 8)]
    wide = fill_days([("2001-01-05", 1), ("2001-09-01", 3)], date(2000, 1, 1), date(2100, 1, 1))
    assert wide[0] == ("2001-01", 1) and wide[-1] == ("2001-09", 3) and len(wide) == 9
    assert fill_days([], date(2024, 5, 1), date(2024, 5, 7)) == []
    chart = columns(days)
    assert len(chart.bars) == 7 and chart.top == 2 and max(b.height for b in chart.bars) > 0
