"""GET / and its two static files: the web page, served as files (no build step, no CDN).

The page holds no data, so it loads without an API key; it asks for one when the API does.
"""

from __future__ import annotations

import functools
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import Response

router = APIRouter(include_in_schema=False)

WEB = Path(__file__).resolve().parents[2] / "web"
# Every file the page is made of, by URL path: (file, media type).
PAGE_FILES = {
    "/": ("index.html", "text/html; charset=utf-8"),
    "/static/app.js": ("app.js", "text/javascript; charset=utf-8"),
    "/static/app.css": ("app.css", "text/css; charset=utf-8"),
}
# The page runs only its own script and style and talks only to this server.
_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
        "img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


@functools.cache
def _content(name: str) -> bytes:
    # Read once: the files ship with the package and do not change while it runs.
    return (WEB / name).read_bytes()


def _serve(path: str) -> Response:
    name, media_type = PAGE_FILES[path]
    return Response(_content(name), media_type=media_type, headers=_HEADERS)


@router.get("/")
async def page() -> Response:
    """The web page."""
    return _serve("/")


@router.get("/static/app.js")
async def script() -> Response:
    """The page's script."""
    return _serve("/static/app.js")


@router.get("/static/app.css")
async def style() -> Response:
    """The page's style sheet."""
    return _serve("/static/app.css")
