"""The `reformkg` command: one sub-command per verb, each a thin shell over library functions.

Verbs live in `reformkg/cli/<verb>.py`; each module defines `NAME`, `HELP`,
`add_arguments(parser)` and `run(args, settings) -> int`. The settings are built here, once,
from the environment and the options every verb shares (`--data`, `--build`), and passed in.
Errors the user can act on are `ReformKGError`s: they print one readable line and exit with
their own code, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys
from types import ModuleType

from reformkg import __version__
from reformkg.errors import ReformKGError
from reformkg.settings import Settings

__all__ = ["build_parser", "main"]


def _verb_modules() -> list[ModuleType]:
    here = sys.modules[__name__]
    names = sorted(
        m.name for m in pkgutil.iter_modules(here.__path__) if not m.name.startswith("_")
    )
    return [importlib.import_module(f"{__name__}.{n}") for n in names]


def build_parser() -> argparse.ArgumentParser:
    doc = (__doc__ or "").splitlines()[0]
    parser = argparse.ArgumentParser(prog="reformkg", description=doc)
    parser.add_argument("--version", action="version", version=f"reformkg {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in _verb_modules():
        p = sub.add_parser(module.NAME, help=module.HELP, description=module.HELP)
        module.add_arguments(p)
        p.set_defaults(_run=module.run)
    return parser


def settings_for(args: argparse.Namespace) -> Settings:
    """The settings of this run: environment first, then the shared options given."""
    return Settings.from_env(
        data_dir=getattr(args, "data", None), build_dir=getattr(args, "build", None)
    )


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args._run(args, settings_for(args)) or 0)
    except ReformKGError as err:
        print(f"reformkg {args.command}: {err}", file=sys.stderr)
        return err.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `reformkg export … | head`: the reader left; stop quietly as Unix tools do
        # (the Python docs' recipe: point stdout at devnull so the exit flush cannot fail)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
