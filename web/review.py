"""Serve time: the local review mode (`reformkg serve --review`): confirm / reject buttons on
links, appended to data/link-reviews.csv, honoured by the next build.

Off by default. When on, the app is served on 127.0.0.1 only (the serve command refuses any
other address) and every POST is checked three ways before anything is written: the client is
on this machine, the form carries the app's CSRF token (random per start, only ever put in its
own pages), and the browser's Origin, when it sends one, is this app. A page of another site
open in the same browser therefore cannot record a decision.
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from reformkg.errors import RequestError
from reformkg.reviews import DECISIONS, FILE_NAME, RELATIONS, Review, append_review, check
from reformkg.settings import Settings

router = APIRouter()
LOOPBACK = {"127.0.0.1", "::1", "localhost"}

__all__ = ["LOOPBACK", "enable", "review_context", "router"]


def enable(state: Any, settings: Settings) -> None:
    """Give the app its CSRF token when review mode is on (called by the app factory)."""
    state.csrf = secrets.token_urlsafe(32) if settings.review else None


def review_context(request: Request) -> dict[str, Any]:
    """What a page needs to draw review buttons: nothing unless review mode is on."""
    settings: Settings = request.app.state.settings
    token = getattr(request.app.state, "csrf", None)
    if not settings.review or not token:
        return {"review": None}
    return {"review": {"csrf": token, "reviewer": settings.reviewer}}


def _refuse(status: int, message: str) -> RequestError:
    return RequestError(status, message)


def _check_origin(request: Request) -> None:
    origin = request.headers.get("origin")
    if request.headers.get("sec-fetch-site") == "cross-site":
        raise _refuse(403, "review decisions are accepted from this app's own pages only")
    if origin and origin != "null":
        own = f"{request.url.scheme}://{request.headers.get('host', '')}"
        if origin != own:
            raise _refuse(403, f"origin {origin} is not this app ({own})")


def _back(referer: str | None, fallback: str) -> str:
    """Back to the page the decision was made on (a local path only, never another site)."""
    if referer:
        parts = urlsplit(referer)
        if parts.path.startswith("/") and not parts.path.startswith("//"):
            return parts.path + (f"?{parts.query}" if parts.query else "")
    return fallback


@router.post("/links/review", include_in_schema=False)
def record_review(
    request: Request,
    source: str = Form(...),
    target: str = Form(...),
    decision: str = Form(...),
    csrf: str = Form(...),
    relation: str = Form(""),
    reviewer: str = Form(""),
    note: str = Form(""),
) -> Response:
    """Append one decision to data/link-reviews.csv; 303 back to the page it came from."""
    settings: Settings = request.app.state.settings
    token = getattr(request.app.state, "csrf", None)
    if not settings.review or not token:
        raise _refuse(404, "review mode is off (start with `reformkg serve --review`)")
    client = request.client.host if request.client else ""
    if client not in LOOPBACK:
        raise _refuse(403, "review decisions are accepted from this machine only")
    if not hmac.compare_digest(csrf.encode(), token.encode()):
        raise _refuse(403, "the form's CSRF token is not this app's (reload the page)")
    _check_origin(request)
    if decision not in DECISIONS or (relation and relation not in RELATIONS):
        raise _refuse(400, f"decision must be one of {', '.join(DECISIONS)}")
    review = Review(
        source=source.strip(),
        target=target.strip(),
        decision=decision,
        relation=relation.strip(),
        reviewer=(reviewer or settings.reviewer).strip(),
        date=dt.datetime.now(dt.UTC).date().isoformat(),
        note=note.strip(),
    )
    problem = check(review)
    if problem:
        raise _refuse(400, problem)
    append_review(settings.data_dir / FILE_NAME, review)
    back = _back(request.headers.get("referer"), "/lineages")
    sep = "&" if "?" in back else "?"
    return RedirectResponse(f"{back}{sep}reviewed={decision}", status_code=303)
