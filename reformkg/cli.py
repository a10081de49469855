"""The `reformkg` command: one sub-command per verb, each a thin shell over library functions.

Sub-commands live in `reformkg/commands/<verb>.py`; each module defines `NAME`, `HELP`,
`add_arguments(parser)` and `run(args) -> int`. Errors the user can act on are `ReformKGError`s:
they print one readable line and exit with their own code, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys

from reformkg import commands
from reformkg.errors import ReformKGError


def _command_modules() -> list:
    names = sorted(
        m.name for m in pkgutil.iter_modules(commands.__path__) if not m.name.startswith("_")
    )
    return [importlib.import_module(f"reformkg.commands.{n}") for n in names]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="reformkg", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in _command_modules():
        p = sub.add_parser(module.NAME, help=module.HELP, description=module.HELP)
        module.add_arguments(p)
        p.set_defaults(_run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args._run(args) or 0)
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
