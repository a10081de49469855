"""The files a view page needs, served from the installed packages (never from a CDN).

vis-network comes from the copy bundled inside the installed pyvis package; our own script
and styles live in viz/templates/. The web app serves them at /viz/assets/<name>; standalone
files written by `reformkg viz` inline them, so they open from disk with no server and no
network.
"""

from __future__ import annotations

import re
from pathlib import Path

import pyvis

__all__ = ["ASSETS", "asset_path", "inline_script", "inline_style", "media_type"]

TEMPLATES = Path(__file__).resolve().parent / "templates"
_VIS = Path(pyvis.__file__).resolve().parent / "lib" / "vis-9.1.2"

#: Public asset name → file. Only these names are served (no path ever comes from a URL).
ASSETS: dict[str, Path] = {
    "vis-network.min.js": _VIS / "vis-network.min.js",
    "vis-network.css": _VIS / "vis-network.css",
    "viz.js": TEMPLATES / "viz.js",
    "viz.css": TEMPLATES / "viz.css",
    "table.js": TEMPLATES / "table.js",
    "site.css": TEMPLATES / "site.css",
}


def asset_path(name: str) -> Path | None:
    """The file behind an asset name, or None for any other name.

    >>> asset_path("vis-network.min.js").is_file(), asset_path("../x")
    (True, None)
    """
    path = ASSETS.get(name)
    return path if path is not None and path.is_file() else None


def media_type(name: str) -> str:
    """The Content-Type of an asset (all are UTF-8 text).

    >>> media_type("viz.js")
    'text/javascript; charset=utf-8'
    """
    return ("text/javascript" if name.endswith(".js") else "text/css") + "; charset=utf-8"


def _inline(name: str, tag: str) -> str:
    text = ASSETS[name].read_text(encoding="utf-8")
    if re.search(rf"</{tag}", text, re.IGNORECASE):
        raise ValueError(f"{name} contains </{tag}> and cannot be inlined")
    return text


def inline_script(name: str) -> str:
    """A script's text for a ``<script>`` element; refuses text that would close it early."""
    return _inline(name, "script")


def inline_style(name: str) -> str:
    """A stylesheet's text for a ``<style>`` element; refuses text that would close it early."""
    return _inline(name, "style")
