"""The SPARQL 1.1 Service Description returned by GET /sparql without a query.

It tells a client what it can rely on: the endpoint URL, the query language, the result formats
it can ask for, and the dataset (the default graph is the union of the asserted graphs, each
named graph listed with its size), so a client can discover the graphs before querying them.
"""

from __future__ import annotations

import pyoxigraph as ox
from fastapi import Request
from fastapi.responses import Response

from reformkg import media
from reformkg.errors import RequestError
from reformkg.graph.query.store import Dataset
from reformkg.vocab import DATASET_IRI, PREFIXES

SD = PREFIXES["sd"]
VOID = PREFIXES["void"]
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
RDFS_COMMENT = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#comment")
RDFS_SEE_ALSO = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#seeAlso")
FORMATS = {  # W3C format IRIs (https://www.w3.org/ns/formats/)
    "application/sparql-results+json": "SPARQL_Results_JSON",
    "application/sparql-results+xml": "SPARQL_Results_XML",
    "text/csv": "SPARQL_Results_CSV",
    "text/tab-separated-values": "SPARQL_Results_TSV",
    "text/turtle": "Turtle",
    "application/n-triples": "N-Triples",
    "application/ld+json": "JSON-LD",
    "application/rdf+xml": "RDF_XML",
}


def _sd(name: str) -> ox.NamedNode:
    return ox.NamedNode(SD + name)


def description(endpoint: str, dataset: Dataset) -> list[ox.Triple]:
    """The description's triples."""
    service = ox.NamedNode(endpoint)
    ds, default = ox.BlankNode("dataset"), ox.BlankNode("default")
    xsd_int = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
    out = [
        ox.Triple(service, RDF_TYPE, _sd("Service")),
        ox.Triple(service, _sd("endpoint"), service),
        ox.Triple(service, _sd("supportedLanguage"), _sd("SPARQL11Query")),
        ox.Triple(service, _sd("feature"), _sd("UnionDefaultGraph")),
        ox.Triple(service, _sd("defaultDataset"), ds),
        ox.Triple(
            service,
            RDFS_COMMENT,
            ox.Literal(
                "ReformKG, read-only. Default graph: the union of the asserted graphs and "
                "graph/derived (the shortcut entailments); add inference=true to include the "
                "rest of the OWL 2 RL closure (graph/inferred). Updates and SERVICE are refused. "
                "Dataset description (VoID, DCAT, CC BY 4.0): /.well-known/void.",
                language="en",
            ),
        ),
        ox.Triple(ds, RDF_TYPE, _sd("Dataset")),
        # its VoID + DCAT description (licence, version, sources, dumps), also /.well-known/void
        ox.Triple(ds, RDFS_SEE_ALSO, ox.NamedNode(str(DATASET_IRI))),
        ox.Triple(ds, _sd("defaultGraph"), default),
        ox.Triple(default, RDF_TYPE, _sd("Graph")),
        ox.Triple(
            default,
            ox.NamedNode(VOID + "triples"),
            ox.Literal(str(sum(dataset.counts[g] for g in dataset.asserted)), datatype=xsd_int),
        ),
    ]
    for media_type in sorted(FORMATS):
        out.append(
            ox.Triple(
                service,
                _sd("resultFormat"),
                ox.NamedNode("http://www.w3.org/ns/formats/" + FORMATS[media_type]),
            )
        )
    for index, graph in enumerate(dataset.graphs):
        node, desc = ox.BlankNode(f"ng{index}"), ox.BlankNode(f"g{index}")
        out += [
            ox.Triple(ds, _sd("namedGraph"), node),
            ox.Triple(node, RDF_TYPE, _sd("NamedGraph")),
            ox.Triple(node, _sd("name"), ox.NamedNode(graph)),
            ox.Triple(node, _sd("graph"), desc),
            ox.Triple(desc, RDF_TYPE, _sd("Graph")),
            ox.Triple(
                desc,
                ox.NamedNode(VOID + "triples"),
                ox.Literal(str(dataset.counts[graph]), datatype=xsd_int),
            ),
        ]
    return out


def describe_service(request: Request, dataset: Dataset, fmt: str | None) -> Response:
    """The service description in the negotiated RDF format (Turtle when the client takes any)."""
    try:
        chosen = media.negotiate("rdf", request.headers.get("accept"), fmt)
    except media.NotAcceptable:
        if fmt:
            raise RequestError(406, f"format={fmt} cannot carry the service description") from None
        chosen = media.default("rdf")  # a browser's text/html: Turtle is readable as text
    triples = description(str(request.url_for("sparql_get")), dataset)
    body = ox.serialize(
        triples,
        format=getattr(ox.RdfFormat, chosen.rdf_format),
        prefixes={"sd": SD, "void": VOID} if chosen.rdf_format in {"TURTLE", "RDF_XML"} else None,
    )
    return Response(body, media_type=media.content_type(chosen), headers={"Vary": "Accept"})
