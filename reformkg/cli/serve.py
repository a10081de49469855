"""`reformkg serve`: build when needed, then run the web app (SPARQL endpoint, pages, views)."""

from __future__ import annotations

import argparse
from pathlib import Path

from reformkg.errors import BuildMissing, ReformKGError
from reformkg.settings import Settings

NAME = "serve"
HELP = "Serve the SPARQL endpoint, the pages and the views (builds first if needed)."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    parser.add_argument(
        "--data", type=Path, help="data folder to build from; default: the bundled documents"
    )
    parser.add_argument("--build", type=Path, help="build folder (default: ./build)")
    parser.add_argument(
        "--no-build",
        action="store_true",
        help="do not build when the build folder has no dataset: fail instead",
    )
    parser.add_argument(
        "--review",
        action="store_true",
        help="local review mode: confirm/reject buttons on links, appended to the data "
        "folder's link-reviews.csv (127.0.0.1 only)",
    )
    parser.add_argument("--reviewer", help="the name review decisions are recorded under")
    parser.add_argument(
        "--store-url",
        help="use this external SPARQL query endpoint instead of the embedded store",
    )


def run(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from reformkg.graph.query.store import has_build
    from reformkg.web.app import create_app
    from reformkg.web.review import LOOPBACK
    from reformkg.web.server import config

    settings = settings.with_(
        store_url=args.store_url, review=args.review or None, reviewer=args.reviewer
    )
    if settings.review and args.host not in LOOPBACK:
        raise ReformKGError(
            f"--review records decisions into files: it serves on 127.0.0.1 only, not {args.host}"
        )
    if not settings.store_url and not has_build(settings.build_dir):
        if args.no_build:
            raise BuildMissing(
                f"no build output in {settings.build_dir}; run `reformkg build` or drop --no-build"
            )
        from reformkg.graph.pipeline.build import build

        print(f"no build output in {settings.build_dir}: building first …", flush=True)
        build(settings)
    app = create_app(settings)
    base = f"http://{args.host}:{args.port}"
    print(
        f"ReformKG on {base}/  ·  SPARQL {base}/sparql  ·  views {base}/viz  ·  "
        f"questions {base}/queries",
        flush=True,
    )
    # uvicorn with bounded request heads and client deadlines (reformkg.web.server)
    uvicorn.Server(config(app, args.host, args.port, settings.client_timeout)).run()
    return 0
