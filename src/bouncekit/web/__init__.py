"""The web console over the bounce log: ``bouncekit serve --db PATH`` (extra ``bouncekit[web]``).

    from bouncekit.web import create_app
    app = create_app("bounces.db", token=None)      # an ASGI application; run it with uvicorn

``docs/console.md`` describes the pages, the JSON API and the safety measures. A front end: it
reads and changes the log only through ``bouncekit.log.BounceLog``. Importing this package needs
nothing beyond bouncekit; :func:`create_app` needs Starlette and Jinja2, :func:`serve` uvicorn too.
"""

from __future__ import annotations

import os
from typing import Any

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8025


def create_app(db: str | os.PathLike[str], /, *, token: str | None = None, host: str = DEFAULT_HOST) -> Any:
    """The console as an ASGI application over the log at ``db`` (see ``_app.create_app``)."""
    from ._app import create_app as _create

    return _create(db, token=token, host=host)


def serve(db: str | os.PathLike[str], /, *, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT,
          token: str | None = None) -> None:
    """Run the console with uvicorn until interrupted."""
    import uvicorn

    uvicorn.run(create_app(db, token=token, host=host), host=host, port=port, log_level="warning",
                server_header=False)


__all__ = ["DEFAULT_HOST", "DEFAULT_PORT", "create_app", "serve"]
