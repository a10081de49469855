"""The on-disk store the build writes (issue 16): the dataset as dataset.nq holds it, the default
dataset in its default graph, and refused with one line when it is not the build's.

Runs on the session's real build and its store; the refusals on copies of that build.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest

from reformkg.build_files import DATASET_FILE, STORE_DIR, seal
from reformkg.errors import BuildInvalid
from reformkg.graph.pipeline.store import store_from_dataset
from reformkg.graph.query.store import open_store
from reformkg.vocab import INFERRED_GRAPH


def _dataset(build_dir: Path) -> list[ox.Quad]:
    """dataset.nq's quads as a pyoxigraph store holds them (it writes numbers canonically:
    "0.50"^^xsd:decimal is "0.5"), which is what the in-memory store served before."""
    memory = ox.Store()
    memory.bulk_load(path=str(build_dir / DATASET_FILE), format=ox.RdfFormat.N_QUADS)
    return list(memory)


def test_the_store_holds_every_quad_and_the_default_dataset(build_dir: Path) -> None:
    """Named graphs as dataset.nq; default graph = every graph but graph/inferred, so the
    default dataset (asserted, derived shortcuts, description) is answered without a copy."""
    store = open_store(build_dir)
    quads = _dataset(build_dir)
    inferred = ox.NamedNode(str(INFERRED_GRAPH))
    named = [q for q in store.inner if q.graph_name != ox.DefaultGraph()]
    default = [q.triple for q in store.inner if q.graph_name == ox.DefaultGraph()]
    # blank nodes are named afresh by each load: compared by count, the rest term by term
    assert _named(named) == _named(quads)
    assert _named(default) == _named([q.triple for q in quads if q.graph_name != inferred])
    assert len(named) == len(quads) == len(store) == store.info.quads
    assert len(default) == store.info.default_graph_triples
    assert len(set(default)) == len({q.triple for q in quads if q.graph_name != inferred})


def _named(items: list[ox.Quad] | list[ox.Triple]) -> set[ox.Quad | ox.Triple]:
    """The items without a blank node."""
    return {
        i
        for i in items
        if not isinstance(i.subject, ox.BlankNode) and not isinstance(i.object, ox.BlankNode)
    }


def test_the_datasets_of_the_endpoint(build_dir: Path) -> None:
    """Without the union flag: the default graph; with it: that and graph/inferred."""
    store = open_store(build_dir)
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    plain = int(next(iter(store.query(count)))["n"].value)
    union = int(next(iter(store.query(count, use_default_graph_as_union=True)))["n"].value)
    triples = {q.triple for q in _dataset(build_dir)}
    assert plain == store.info.default_graph_triples
    assert union == len(triples) > plain


def _copy(build_dir: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "build"
    shutil.copytree(build_dir, copy, ignore=shutil.ignore_patterns("LOCK"))
    return copy


def test_a_build_without_its_store_is_refused(build_dir: Path, tmp_path: Path) -> None:
    copy = _copy(build_dir, tmp_path)
    shutil.rmtree(copy / STORE_DIR)
    with pytest.raises(BuildInvalid) as err:
        open_store(copy)
    assert "store" in str(err.value) and "\n" not in str(err.value)


def test_a_store_that_is_not_the_builds_is_refused(build_dir: Path, tmp_path: Path) -> None:
    """A store written from other quads (a graph missing) beside the build's sealed files."""
    copy = _copy(build_dir, tmp_path)
    quads = sorted(
        ox.parse(path=str(build_dir / DATASET_FILE), format=ox.RdfFormat.N_QUADS), key=str
    )
    some_graph = quads[0].graph_name
    other = tmp_path / "other"  # dumps without that graph, the store written from them
    other.mkdir()
    kept = [q for q in quads if q.graph_name != some_graph]
    ox.serialize(kept, str(other / DATASET_FILE), ox.RdfFormat.N_QUADS)
    store_from_dataset(other)
    shutil.rmtree(copy / STORE_DIR)
    shutil.copytree(other / STORE_DIR, copy / STORE_DIR)  # store.json stays the build's
    seal(copy)  # even sealed again by hand, the store must hold what store.json says
    with pytest.raises(BuildInvalid) as err:
        open_store(copy)
    assert "does not hold" in str(err.value) and "\n" not in str(err.value)
