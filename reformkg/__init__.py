"""ReformKG: a knowledge graph of Chinese reform measures.

The package is built from the repository's top-level folders (pyproject.toml maps etl/ to
reformkg.etl, graph/ to reformkg.graph, ...); docs/architecture.md says which room each module
belongs to and which way imports may point.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("reformkg")
except PackageNotFoundError:  # a source tree that was never installed
    __version__ = "0+unknown"
