"""The web console: a Starlette application over one bounce log, through the log's Python API.

Pages (HTML, Jinja2 templates, autoescaped): ``/`` error log, ``/entry/{id}`` detail,
``/export.csv`` the search as CSV (streamed), ``/suppression`` the suppression list (``POST
/suppression/valid`` marks an address valid), ``/overview`` counts per day and group as SVG,
``/login``. JSON: ``/api/search``, ``/api/entries/{id}``, ``/api/overview``,
``/api/suppression``, ``/api/suppression/{address}``, ``/api/groups``.

Safety (see ``docs/console.md``): every page may require a token (bearer header or cookie set by
``/login``); a server bound to a loopback address answers only requests for a loopback host name
(DNS rebinding); every POST carries a CSRF token equal to a cookie and, when the browser says
where it comes from, an ``Origin`` of this server; no script runs on any page (the Content
Security Policy forbids it); every text from mail goes through Jinja2's escaping.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import ipaddress
import os
import secrets
from collections.abc import Iterator
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qs, quote, urlencode

from jinja2 import Environment, FileSystemLoader
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .. import __version__
from ..codes import lookup
from ..log import CSV_COLUMNS, BounceLog, Entry, LogError
from ..model import Group
from . import _charts
from ._groups import describe_group
from ._search import COLUMNS, MAX_SHOWN, PER_PAGE, Search, pages

HERE = os.path.dirname(__file__)
TOKEN_COOKIE = "bouncekit_token"
CSRF_COOKIE = "bouncekit_csrf"
#: Environment variable read by ``bouncekit serve`` when no ``--token`` is given.
TOKEN_ENV = "BOUNCEKIT_TOKEN"

_CSP = ("default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'")
_LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1", "[::1]"}


def is_loopback(host: str) -> bool:
    if host in _LOOPBACK_NAMES or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _cookie_value(token: str) -> str:
    """What the login cookie holds: derived from the token, so the cookie is not the token itself."""
    return hashlib.sha256(b"bouncekit-console\0" + token.encode("utf-8")).hexdigest()


class Guard:
    """ASGI middleware: host check, token check and security headers on every response."""

    def __init__(self, app: ASGIApp, *, token: str | None, loopback_only: bool) -> None:
        self.app = app
        self.token = token
        self.loopback_only = loopback_only

    def authorised(self, request: Request) -> bool:
        if not self.token:
            return True
        auth = request.headers.get("authorization", "")
        if auth.lower().startswith("bearer ") and hmac.compare_digest(auth[7:].strip().encode(), self.token.encode()):
            return True
        cookie = request.cookies.get(TOKEN_COOKIE, "")
        return bool(cookie) and hmac.compare_digest(cookie.encode(), _cookie_value(self.token).encode())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        host = (request.url.hostname or "").lower()
        if self.loopback_only and not is_loopback(host):
            response: Response = Response(
                "This console answers only requests for localhost / 127.0.0.1 (it is bound to a loopback "
                "address; a different host name suggests DNS rebinding).\n", status_code=421, media_type="text/plain")
            await response(scope, receive, self._secure(send))
            return
        scope.setdefault("state", {})["authorised"] = self.authorised(request)
        path = scope["path"]
        if not scope["state"]["authorised"] and path not in ("/login", "/static/style.css"):
            if path.startswith("/api/"):
                response = JSONResponse({"error": "A bearer token is required (Authorization: Bearer TOKEN)."},
                                        status_code=401, headers={"WWW-Authenticate": "Bearer"})
            else:
                target = path + (f"?{scope['query_string'].decode('latin-1')}" if scope.get("query_string") else "")
                response = RedirectResponse("/login?" + urlencode({"next": target}), status_code=303)
            await response(scope, receive, self._secure(send))
            return
        await self.app(scope, receive, self._secure(send))

    @staticmethod
    def _secure(send: Send) -> Send:
        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                for name, value in ((b"content-security-policy", _CSP), (b"x-content-type-options", "nosniff"),
                                    (b"referrer-policy", "same-origin"), (b"x-frame-options", "DENY"),
                                    (b"cache-control", "no-store")):
                    if name not in names:
                        headers.append((name, value.encode()))
                message = {**message, "headers": headers}
            await send(message)
        return wrapped


class Console:
    """The routes, bound to one log file."""

    def __init__(self, db: str, *, token: str | None = None) -> None:
        self.db = db
        self.token = token
        self.env = Environment(loader=FileSystemLoader(os.path.join(HERE, "templates")), autoescape=True,
                               trim_blocks=True, lstrip_blocks=True)
        self.env.globals.update(version=__version__, groups=[g.value for g in Group], columns=COLUMNS,
                                max_shown=MAX_SHOWN, per_page=PER_PAGE, login_required=bool(token))
        self.env.filters["when"] = lambda d: d.strftime("%Y-%m-%d %H:%M") if d else ""
        self.env.filters["clip"] = _clip
        self.env.filters["q"] = lambda value: quote(str(value), safe="")

    def open(self) -> BounceLog:
        return BounceLog(self.db)

    # -- helpers --------------------------------------------------------------------------------

    def render(self, request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
        csrf = request.cookies.get(CSRF_COOKIE) or ""
        new_csrf = not csrf
        if new_csrf:
            csrf = secrets.token_urlsafe(32)
        html = self.env.get_template(name).render(request=request, csrf=csrf, path=request.url.path, **context)
        response = HTMLResponse(html, status_code=status)
        if new_csrf:
            response.set_cookie(CSRF_COOKIE, csrf, httponly=True, samesite="strict")
        return response

    async def checked_form(self, request: Request) -> dict[str, str] | None:
        """The POSTed form when its CSRF token matches the cookie and its origin is this server, else None."""
        body = (await request.body()).decode("utf-8", "replace")
        form = {k: v[-1] for k, v in parse_qs(body, keep_blank_values=True).items()}
        cookie = request.cookies.get(CSRF_COOKIE, "")
        sent = form.get("csrf", "") or request.headers.get("x-csrf-token", "")
        if not cookie or not sent or not hmac.compare_digest(cookie.encode(), sent.encode()):
            return None
        origin = request.headers.get("origin")
        if origin and origin != "null":
            own = f"{request.url.scheme}://{request.url.netloc}"
            if origin.rstrip("/") != own:
                return None
        return form

    def forbidden(self, request: Request) -> HTMLResponse:
        return self.render(request, "message.html", status=403, title="Request refused",
                           message="This form was sent without a valid CSRF token or from another site. "
                                   "Reload the page and try again.")

    # -- pages ----------------------------------------------------------------------------------

    def errors(self, request: Request) -> Response:
        search = Search.from_params(request.query_params, {k: request.query_params.getlist(k)
                                                           for k in ("failures",)})
        context: dict[str, Any] = dict(search=search, entries=[], total=0, shown=0, page_count=1)
        if not search.problems:
            try:
                with self.open() as log:
                    total = log.count(**search.filters())
                    shown, page_count, page = pages(total, search.page)
                    search.page = page
                    entries = log.search(**search.filters(), order=search.order, limit=PER_PAGE, page=page)
                context.update(entries=entries, total=total, shown=shown, page_count=page_count)
            except LogError as exc:
                search.problems.append(str(exc))
        status = 400 if search.problems else 200
        return self.render(request, "errors.html", status=status, title="Error log", **context)

    def _entry(self, request: Request) -> Entry | None:
        """The log entry named by the ``entry_id`` path parameter, or None (not a number, not there)."""
        try:
            entry_id = int(request.path_params["entry_id"])
        except ValueError:
            return None
        if entry_id <= 0:
            return None
        with self.open() as log:
            return log.get(entry_id)

    def detail(self, request: Request) -> Response:
        entry = self._entry(request)
        if entry is None:
            return self.render(request, "message.html", status=404, title="No such entry",
                               message=f"The log has no entry {request.path_params['entry_id']}.")
        return self.render(request, "detail.html", title=f"Entry {entry.id}", entry=entry, **_explain(entry))

    def export(self, request: Request) -> Response:
        search = Search.from_params(request.query_params, {"failures": request.query_params.getlist("failures")})
        if not search.problems:
            try:  # check the filters before the response starts: a bad search is a page, not a broken file
                with self.open() as log:
                    log.count(**search.filters())
            except LogError as exc:
                search.problems.append(str(exc))
        if search.problems:
            return self.render(request, "errors.html", status=400, title="Error log", search=search, entries=[],
                               total=0, shown=0, page_count=1)
        name = f"bounces-{search.start}-{search.end}.csv"
        return StreamingResponse(self._csv(search), media_type="text/csv; charset=utf-8",
                                 headers={"Content-Disposition": f'attachment; filename="{name}"'})

    def _csv(self, search: Search) -> Iterator[bytes]:
        """The CSV in chunks of about 64 KiB: the whole result set, never held in memory."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        with self.open() as log:
            for entry in log.entries(**search.filters(), order=search.order):
                writer.writerow(entry.csv_row())
                if buffer.tell() > 65536:
                    yield buffer.getvalue().encode("utf-8")
                    buffer.seek(0)
                    buffer.truncate()
        yield buffer.getvalue().encode("utf-8")

    def suppression(self, request: Request) -> Response:
        show_all = request.query_params.get("all") == "1"
        with self.open() as log:
            rows = log.suppressed(include_valid=show_all)
        return self.render(request, "suppression.html", title="Suppression list", rows=rows, show_all=show_all,
                           done=request.query_params.get("done", ""), missing=request.query_params.get("missing", ""))

    async def mark_valid(self, request: Request) -> Response:
        form = await self.checked_form(request)
        if form is None:
            return self.forbidden(request)
        address = form.get("address", "").strip()

        def unsuppress() -> bool:
            with self.open() as log:
                return bool(address) and log.unsuppress(address)

        done = await run_in_threadpool(unsuppress)
        return RedirectResponse("/suppression?" + urlencode({"done" if done else "missing": address}), status_code=303)

    def overview(self, request: Request) -> Response:
        search = Search.from_params(request.query_params, {"failures": request.query_params.getlist("failures")})
        context: dict[str, Any] = dict(search=search, total=0, per_day=None, per_group=None)
        if not search.problems:
            try:
                context.update(self._overview(search))
            except LogError as exc:
                search.problems.append(str(exc))
        return self.render(request, "overview.html", status=400 if search.problems else 200, title="Overview",
                           **context)

    def _overview(self, search: Search) -> dict[str, Any]:
        from datetime import date

        with self.open() as log:
            by_day = log.count_by("day", **search.filters())
            by_group = log.count_by("group", **search.filters())
        days = _charts.fill_days(by_day, date.fromisoformat(search.start), date.fromisoformat(search.end))
        group_links = ["/?" + search.query(group=g, page=1) for g, _ in by_group]
        return dict(total=sum(n for _, n in by_day), days=days, by_group=by_group,
                    per_day=_charts.columns(days) if days else None,
                    per_group=_charts.rows(by_group, links=group_links) if by_group else None)

    async def login(self, request: Request) -> Response:
        target = request.query_params.get("next", "/")
        if request.method == "POST":
            form = await self.checked_form(request)
            if form is None:
                return self.forbidden(request)
            given, target = form.get("token", ""), form.get("next", "/")
        else:
            given = request.query_params.get("token", "")
        if not target.startswith("/") or target.startswith("//"):
            target = "/"
        if not self.token:
            return RedirectResponse(target, status_code=303)
        if given and hmac.compare_digest(given.encode(), self.token.encode()):
            response = RedirectResponse(target, status_code=303)
            response.set_cookie(TOKEN_COOKIE, _cookie_value(self.token), httponly=True, samesite="strict")
            return response
        return self.render(request, "login.html", status=401 if given else 200, title="Log in", next=target,
                           failed=bool(given))

    def style(self, request: Request) -> Response:
        return Response(_read(os.path.join(HERE, "static", "style.css")), media_type="text/css")

    # -- JSON API -------------------------------------------------------------------------------

    def api_search(self, request: Request) -> Response:
        search = Search.from_params(request.query_params, {"failures": request.query_params.getlist("failures")})
        try:
            limit = int(request.query_params.get("limit", "50"))
        except ValueError:
            limit = 0
        if not 1 <= limit <= 1000:
            search.problems.append("The limit must be a number from 1 to 1000.")
        if search.problems:
            return JSONResponse({"error": " ".join(search.problems)}, status_code=400)
        try:
            with self.open() as log:
                total = log.count(**search.filters())
                entries = log.search(**search.filters(), order=search.order, limit=limit, page=search.page)
        except LogError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        return JSONResponse({"search": search.params(), "total": total, "page": search.page, "limit": limit,
                             "entries": [e.to_dict() for e in entries]})

    def api_entry(self, request: Request) -> Response:
        entry = self._entry(request)
        if entry is None:
            return JSONResponse({"error": f"The log has no entry {request.path_params['entry_id']}."}, status_code=404)
        info = _explain(entry)
        out = entry.to_dict()
        out["group_description"] = info["group_description"]
        out["rule_info"] = info["rule_info"]
        out["codes"] = info["codes"]
        return JSONResponse(out)

    def api_overview(self, request: Request) -> Response:
        search = Search.from_params(request.query_params, {"failures": request.query_params.getlist("failures")})
        if search.problems:
            return JSONResponse({"error": " ".join(search.problems)}, status_code=400)
        try:
            with self.open() as log:
                by_day = log.count_by("day", **search.filters())
                by_group = log.count_by("group", **search.filters())
        except LogError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        return JSONResponse({"search": search.params(), "total": sum(n for _, n in by_day),
                             "per_day": [{"day": d, "count": n} for d, n in by_day],
                             "per_group": [{"group": g, "count": n} for g, n in by_group]})

    def api_suppression(self, request: Request) -> Response:
        with self.open() as log:
            rows = log.suppressed(include_valid=request.query_params.get("all") == "1")
        return JSONResponse({"addresses": [r.to_dict() for r in rows]})

    def api_check(self, request: Request) -> Response:
        with self.open() as log:
            suppressed, reason = log.is_suppressed(request.path_params["address"])
        return JSONResponse({"address": request.path_params["address"], "suppressed": suppressed, "reason": reason})

    def api_groups(self, request: Request) -> Response:
        return JSONResponse({"groups": [{"group": g.value, "description": describe_group(g)} for g in Group]})


def _clip(text: object, width: int = 140) -> str:
    s = " ".join(str(text or "").split())
    return s if len(s) <= width else s[: width - 1] + "…"


@lru_cache(maxsize=1)
def _read(path: str) -> str:
    with open(path, encoding="utf-8") as fh:
        return fh.read()


@lru_cache(maxsize=1)
def _rule_table() -> dict[str, Any]:
    """The effective rule table (built-in and plugins) by id, to say which rule decided an entry."""
    from .. import load_rules

    try:
        return {rule.id: rule for rule in load_rules([])}
    except Exception:  # a broken plugin must not take the console down; the id is still shown
        return {}


def _explain(entry: Entry) -> dict[str, Any]:
    """What the detail view adds to an entry: the group's meaning, the rule, the codes' meanings."""
    from ..rules import source_label

    rule = _rule_table().get(entry.rule or "")
    rule_info = None
    if rule is not None:
        rule_info = {"id": rule.id, "source": source_label(rule) + (f":{rule.line}" if rule.line else ""),
                     "note": rule.note, "conditions": {k: v for k, v in rule.conditions().items()}}
    codes = []
    for code in (entry.reply_code, entry.status):
        if code:
            try:
                info = lookup(code)
                codes.append({"code": code, "title": info.title, "text": info.text})
            except ValueError:
                codes.append({"code": code, "title": "not a known code", "text": ""})
    return dict(group_description=describe_group(entry.group), rule_info=rule_info, codes=codes)


def create_app(db: str | os.PathLike[str], /, *, token: str | None = None, host: str = "127.0.0.1") -> ASGIApp:
    """The console as an ASGI application over the log at ``db`` (which must exist).

    ``token``: when given, every page and API call needs it (``Authorization: Bearer TOKEN``, or
    the cookie ``/login`` sets). ``host``: the address the server is bound to; when it is a
    loopback address, only requests for a loopback host name are answered.
    """
    path = os.fspath(db)
    if not os.path.exists(path):
        raise LogError(f"There is no bounce log at {path}; create one with `bouncekit log ingest --db {path} ...`.")
    BounceLog(path).close()  # migrate now, and fail now if it is not a bounce log
    console = Console(path, token=token or None)
    routes = [
        Route("/", console.errors),
        Route("/entry/{entry_id}", console.detail),
        Route("/export.csv", console.export),
        Route("/suppression", console.suppression),
        Route("/suppression/valid", console.mark_valid, methods=["POST"]),
        Route("/overview", console.overview),
        Route("/login", console.login, methods=["GET", "POST"]),
        Route("/static/style.css", console.style),
        Route("/api/search", console.api_search),
        Route("/api/entries/{entry_id}", console.api_entry),
        Route("/api/overview", console.api_overview),
        Route("/api/suppression", console.api_suppression),
        Route("/api/suppression/{address}", console.api_check),
        Route("/api/groups", console.api_groups),
    ]
    app = Starlette(routes=routes)
    app.state.console = console
    return Guard(app, token=token or None, loopback_only=is_loopback(host))
