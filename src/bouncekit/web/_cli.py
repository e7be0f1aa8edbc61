"""The ``serve`` subcommand: ``bouncekit serve --db PATH [--host 127.0.0.1] [--port 8025] [--token T]``.

Exit status: 0 after Ctrl-C; 2 when the web extra is missing, the log cannot be opened, or the
port cannot be bound.
"""

from __future__ import annotations

import argparse
import os
from typing import TextIO

from ..log import LogError, default_db_path
from . import DEFAULT_HOST, DEFAULT_PORT

COMMANDS = frozenset({"serve"})
TOKEN_ENV = "BOUNCEKIT_TOKEN"


def add_parsers(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    serve = sub.add_parser("serve", help="the web console over a bounce log (needs bouncekit[web])")
    serve.add_argument("--db", metavar="PATH", default=None,
                       help="the log's SQLite file (default: $BOUNCEKIT_DB, else ./bouncekit.db); must exist")
    serve.add_argument("--host", default=DEFAULT_HOST,
                       help=f"address to listen on (default {DEFAULT_HOST}: this machine only)")
    serve.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    serve.add_argument("--token", default=None,
                       help=f"require this token on every page and API call (default: ${TOKEN_ENV} if set)")


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    try:
        from . import _app, serve
        import uvicorn  # noqa: F401
    except ImportError as exc:
        err.write(f"bouncekit: `bouncekit serve` needs the web extra ({exc.name} is missing): "
                  "pip install 'bouncekit[web]'.\n")
        return 2
    db = args.db or default_db_path()
    token = args.token if args.token is not None else os.environ.get(TOKEN_ENV) or None
    try:
        _app.create_app(db, token=token, host=args.host)  # fail before binding: no log, not a log
    except LogError as exc:
        err.write(f"bouncekit: {exc}\n")
        return 2
    shown_host = f"[{args.host}]" if ":" in args.host else args.host
    out.write(f"bouncekit console for {db} on http://{shown_host}:{args.port}/ (Ctrl-C to stop)\n")
    if token:
        out.write(f"A token is required: open http://{shown_host}:{args.port}/login and enter it.\n")
    elif not _app.is_loopback(args.host):
        err.write(f"bouncekit: warning: listening on {args.host} without --token: anyone who can reach this "
                  "port can read the log and change the suppression list.\n")
    out.flush()
    try:
        serve(db, host=args.host, port=args.port, token=token)
    except (OSError, SystemExit) as exc:
        err.write(f"bouncekit: cannot serve on {args.host}:{args.port}: {exc}\n")
        return 2
    except KeyboardInterrupt:
        pass
    return 0
