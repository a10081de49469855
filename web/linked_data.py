"""Serve time: the linked-data documents: the dataset description, the ontology, the shapes, the dumps.

- `/.well-known/void`: the dataset's description (VoID + DCAT + licence + provenance, built
  into graph/description), the same triples as the dataset IRI `/id/dataset` gives as RDF;
  Turtle unless the client asks for N-Triples, JSON-LD or RDF/XML; a browser goes to the page.
- `/ontology` and its versionIRI `/ontology/<version>`: the ontology page (HTML) or the
  ontology itself (graph/ontology) in Turtle, JSON-LD, N-Triples or RDF/XML, by Accept or
  `format=` (reformkg.media, kind "resource"); `pages.ontology_docs` calls `ontology_rdf`.
- `/shapes`: the SHACL shapes the build validated against (build/shapes.ttl).
- `/download/<file>`: the dumps the description lists as dcat:Distributions.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, RedirectResponse, Response

from reformkg import media
from reformkg.build_files import DOWNLOADS, SHAPES_FILE
from reformkg.errors import RequestError
from reformkg.graph.query.store import SparqlStore, select
from reformkg.graph.read import resources as res
from reformkg.vocab import DATASET_IRI, ONTOLOGY_GRAPH
from reformkg.web.deps import get_settings, get_store

router = APIRouter()

#: Media types of the dumps (they are files, not negotiated).
DUMP_TYPES = {
    "dataset.nq": "application/n-quads",
    "dataset.trig": "application/trig",
    "dataset.ttl": "text/turtle",
}
_VARY = {"Vary": "Accept"}


def _rdf_media(request: Request, fmt: str | None) -> media.Media | None:
    """The RDF format asked for, or None when the client wants a page (HTML first)."""
    try:
        chosen = media.negotiate("resource", request.headers.get("accept"), fmt)
    except media.NotAcceptable:
        if fmt:
            raise RequestError(406, f"format={fmt} is not an RDF format offered here") from None
        return media.default("rdf")
    return None if chosen.media_type == "text/html" else chosen


def _rdf_response(triples: list[ox.Triple], chosen: media.Media) -> Response:
    body = res.serialize(triples, chosen.rdf_format)
    return Response(body, media_type=media.content_type(chosen), headers=_VARY)


@router.api_route("/.well-known/void", methods=["GET", "HEAD"], include_in_schema=False)
def well_known_void(request: Request, format: str | None = None) -> Response:
    """The VoID description (RFC 8615 well-known URI of the VoID specification, section 7.2)."""
    chosen = _rdf_media(request, format)
    if chosen is None:  # a browser: the dataset's page
        return RedirectResponse("/id/dataset", status_code=303, headers=_VARY)
    triples = res.cbd(get_store(request), str(DATASET_IRI))
    if not triples:
        raise RequestError(404, "this build has no dataset description: rebuild it")
    return _rdf_response(triples, chosen)


def ontology_rdf(request: Request, fmt: str | None) -> Response | None:
    """The ontology as RDF when the client asks for RDF (None: it wants the HTML page)."""
    chosen = _rdf_media(request, fmt)
    if chosen is None:
        return None
    query = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{ONTOLOGY_GRAPH}> {{ ?s ?p ?o }} }}"
    answer = get_store(request).query(query)
    triples = sorted((t for t in answer if isinstance(t, ox.Triple)), key=str)
    if not triples:
        raise RequestError(404, "this build has no ontology graph: rebuild it")
    return _rdf_response(triples, chosen)


def version_iri(store: SparqlStore) -> str | None:
    """The ontology's owl:versionIRI as the store holds it."""
    query = f"""SELECT ?v WHERE {{ GRAPH <{ONTOLOGY_GRAPH}> {{
        ?o a <http://www.w3.org/2002/07/owl#Ontology> ; <http://www.w3.org/2002/07/owl#versionIRI> ?v
    }} }}"""
    rows = select(store, query, union=False)
    return str(rows[0]["v"]) if rows else None


@router.api_route("/shapes", methods=["GET", "HEAD"], include_in_schema=False)
def shapes(request: Request, format: str | None = None) -> Response:
    """The SHACL shapes the build validated against, as RDF (Turtle unless asked otherwise)."""
    path = Path(get_settings(request).build_dir) / SHAPES_FILE
    if not path.is_file():
        raise RequestError(404, "this build has no shapes.ttl: rebuild it")
    chosen = _rdf_media(request, format) or media.default("rdf")
    if chosen.rdf_format == "TURTLE":
        return FileResponse(path, media_type=media.content_type(chosen), headers=_VARY)
    triples = [q.triple for q in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)]
    return _rdf_response(triples, chosen)


@router.api_route("/download/{name}", methods=["GET", "HEAD"], include_in_schema=False)
def download(request: Request, name: str) -> Response:
    """A dump of the dataset (dataset.nq, dataset.trig, dataset.ttl)."""
    if name not in DOWNLOADS:
        raise RequestError(404, f"no download {name}: there are {', '.join(DOWNLOADS)}")
    path = Path(get_settings(request).build_dir) / name
    if not path.is_file():
        raise RequestError(404, f"this build has no {name}")
    return FileResponse(
        path, media_type=DUMP_TYPES[name], filename=name, content_disposition_type="attachment"
    )
