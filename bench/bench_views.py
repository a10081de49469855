"""Print how long each graph view takes to become interactive in headless chromium, on a build.

    .venv/bin/python -m bench.bench_views --build bench-out/build-100x [--wait 60]

The same measurement as `reformkg bench` (bench.run.view_times: fresh browser context per run,
median and max of 3), on an already built folder, after waiting `--wait` seconds for the app's
background warm-up of the unfiltered views. A figure, not a test.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from bench.run import view_times
from bench.server import start_server, stop_server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", type=Path, required=True, help="a build folder (dataset.nq …)")
    parser.add_argument("--wait", type=float, default=60.0, help="seconds to wait after start")
    args = parser.parse_args()
    started = time.perf_counter()
    proc, base = start_server(args.build)
    print(f"server ready after {time.perf_counter() - started:.1f} s; waiting {args.wait:.0f} s")
    try:
        time.sleep(args.wait)
        print(json.dumps(view_times(base), indent=1))
    finally:
        stop_server(proc)


if __name__ == "__main__":
    main()
