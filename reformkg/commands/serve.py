"""`reformkg serve`: build when needed, then run the web app (SPARQL endpoint, pages, views)."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from reformkg.config import get_settings
from reformkg.errors import ReformKGError

NAME = "serve"
HELP = "Serve the SPARQL endpoint, the pages and the views (builds first if needed)."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    parser.add_argument(
        "--no-build",
        action="store_true",
        help="do not build when build/dataset.nq is missing: fail instead",
    )
    parser.add_argument(
        "--store-url",
        help="use this external SPARQL query endpoint instead of "
        "the embedded store (sets REFORMKG_STORE_URL)",
    )


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from graph.store import DATASET_FILE
    from web.deps import EndpointConfig

    settings = get_settings()
    EndpointConfig.from_env()  # a malformed REFORMKG_* limit stops here, in one line
    if args.store_url:
        os.environ["REFORMKG_STORE_URL"] = args.store_url
    elif not (Path(settings.build_dir) / DATASET_FILE).exists():
        if args.no_build:
            raise ReformKGError(
                f"no build output in {settings.build_dir}; run `reformkg build` or drop --no-build"
            )
        from etl.build import build

        print(f"no build output in {settings.build_dir}: building first …", flush=True)
        build(settings)
    base = f"http://{args.host}:{args.port}"
    print(
        f"ReformKG on {base}/  ·  SPARQL {base}/sparql  ·  views {base}/viz  ·  "
        f"questions {base}/queries",
        flush=True,
    )
    uvicorn.run(
        "web.app:create_app", factory=True, host=args.host, port=args.port, log_level="warning"
    )
    return 0
