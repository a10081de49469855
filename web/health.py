"""Serve time: /healthz, /healthz/live and /healthz/ready, for people and for load balancers.

Live is "the process answers HTTP"; ready is "a query sent now would be taken": the store is
open, a query worker is up, and the pool is not saturated (see
`reformkg.graph.query.pool.QueryPool`). A load balancer should send traffic on /healthz/ready
and restart on /healthz/live; /healthz shows both and the pool's figures.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from reformkg.web.deps import get_runner

router = APIRouter(tags=["service"])


def _state(request: Request) -> dict[str, Any]:
    runner = get_runner(request)
    pool = runner.status()
    ready = runner.ready()
    status = "ok" if ready else ("busy" if pool.saturated else "starting")
    return {
        "status": status,
        "live": True,
        "ready": ready,
        "triples": request.app.state.triples,
        "pool": pool.as_dict(),
        "views": request.app.state.views,
    }


@router.get("/healthz", summary="Liveness, readiness and the query pool's state")
def healthz(request: Request) -> dict[str, Any]:
    """Always 200 while the process answers: `live`, `ready`, the number of triples (quads) in
    the store, the pool's workers, busy and long-running queries, waiting requests, and the
    views' warm-up (`views.status`: warming, warm, failed or off; `views.seconds`: how long it
    took from the app's start-up)."""
    return _state(request)


@router.get("/healthz/live", summary="200 while the process answers")
def live() -> dict[str, Any]:
    return {"live": True}


@router.get("/healthz/ready", summary="200 when a query would be taken now, else 503")
def ready(request: Request) -> JSONResponse:
    """503 with Retry-After while the workers start or every one is taken."""
    state = _state(request)
    if state["ready"]:
        return JSONResponse(state)
    return JSONResponse(state, status_code=503, headers={"Retry-After": "1"})
