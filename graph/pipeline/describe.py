"""Build time: the dataset's own description (VoID + DCAT + PROV), in graph/description.

What a publisher of legal data states so that the graph can be found, cited and reused: what
it is (title, description, the five source documents as dcterms:source), under which licence
(CC BY 4.0 for the data and the ontology; the code is Apache-2.0: docs/data-model.md says why),
who publishes it, which version and build (package version, commit, build date), how to get it
(the dumps as dcat:Distributions, the SPARQL endpoint), its IRI space and example resources,
and its shape (class and property partitions, one subset per named graph, the links graph as a
void:Linkset, the derived graph with the rules it was derived by). The app serves it at the
dataset IRI (id/dataset) and at /.well-known/void.

Statistics are over the default dataset (every named graph but graph/inferred and this one);
graph/inferred is described as its own subset. The description is a function of the data, the
package version and the commit, so a rebuild of the same checkout is byte-identical; the build
date is REFORMKG_BUILD_DATE, or the commit's date, or left out (an installed copy outside a
checkout knows neither).
"""

from __future__ import annotations

import subprocess
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import cast

from rdflib import RDF, RDFS, XSD, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, OWL
from rdflib.term import Node

from reformkg import __version__
from reformkg.etl.records import ParsedDocument
from reformkg.graph.pipeline.terms import TermNumbers
from reformkg.vocab import (
    DATA_LICENSE,
    DATASET_IRI,
    DCAT,
    DERIVED_GRAPH,
    DESCRIPTION_GRAPH,
    DOWNLOAD_BASE,
    GRAPH,
    ID,
    INFERRED_GRAPH,
    LINKS_GRAPH,
    ONTOLOGY_IRI,
    PREFIXES,
    PROV,
    PUBLISHER_IRI,
    RK,
    SD,
    SHAPES_IRI,
    SPARQL_ENDPOINT_IRI,
    VOID,
    dataset_part_iri,
    document_iri,
)

__all__ = ["DISTRIBUTIONS", "build_commit", "describe"]

Triple = tuple[Node, Node, Node]
Quad = tuple[Node, Node, Node, URIRef]

#: The dumps: file name → (short name, media type, what it holds).
DISTRIBUTIONS = {
    "dataset.nq": ("nq", "application/n-quads", "every named graph, inferred one included"),
    "dataset.trig": ("trig", "application/trig", "the named graphs of the default dataset"),
    "dataset.ttl": ("ttl", "text/turtle", "the default dataset as one graph"),
}
_VOCABULARIES = ("rk", "skos", "dcterms", "prov", "org", "eli", "schema", "time", "foaf")
_RULES = (
    "m rk:leadAgency a ⇒ m rk:involvesAgency a, a rk:leads m, a rk:involvedIn m; "
    "m rk:responsibleAgency a ⇒ m rk:involvesAgency a, a rk:responsibleFor m, a rk:involvedIn m; "
    "m rk:evolvesFrom n ⇒ n rk:evolvesInto m; "
    "r rk:hasVersion m ⇒ m rk:versionOf r; "
    "m rk:hasTheme t, t skos:broader+ b ⇒ m rk:hasTheme b; "
    "m a rk:Measure, m rk:inDocument d ⇒ d rk:hasMeasure m"
)


def build_commit(package_dir: Path | None = None) -> tuple[str, str] | None:
    """(commit, its date YYYY-MM-DD) of the checkout this package runs from, "+dirty" appended
    when tracked files differ from it; None outside a checkout (an installed wheel) or without
    git. Local only: git reads the checkout, nothing else."""
    here = package_dir or Path(__file__).resolve().parent
    try:
        top = _git(here, "rev-parse", "--show-toplevel")
        if not (Path(top) / "etl" / "to_rdf.py").is_file():  # some other repository around it
            return None
        commit, day = _git(here, "log", "-1", "--format=%H %cs").split()
        dirty = _git(here, "status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.SubprocessError, ValueError):
        return None
    return (commit + ("+dirty" if dirty else ""), day)


def _git(where: Path, *args: str) -> str:
    out = subprocess.run(
        ["git", "-C", str(where), *args], capture_output=True, text=True, timeout=10, check=True
    )
    return out.stdout.strip()


def _lit(value: int | str) -> Literal:
    return Literal(value, datatype=XSD.integer) if isinstance(value, int) else Literal(value)


def _compact(iri: Node) -> str:
    """`rk:Measure` for a term of a known vocabulary; `other:<local name>` for any other."""
    for prefix, ns in PREFIXES.items():
        if prefix not in {"id", "graph", "th"} and str(iri).startswith(ns):
            return f"{prefix}:{str(iri)[len(ns) :]}"
    return "other:" + str(iri).rstrip("/#").replace("#", "/").rsplit("/", 1)[-1]


@dataclass
class _Statistics:
    per_graph: Counter[URIRef]  # quads per graph, repeats counted
    per_property: Counter[Node]  # distinct triples of the default dataset per property
    per_class: Counter[Node]  # distinct typed subjects per class
    triples: int  # distinct triples of the default dataset
    subjects: int
    objects: int  # distinct objects that are not literals
    examples: list[URIRef]  # one resource of each main kind, the first in IRI order


def _statistics(quads: Iterable[Quad]) -> _Statistics:
    """Counts over every quad (graph/inferred's and graph/description's left out of the
    default dataset's), in one pass.

    Each distinct term is numbered once (`TermNumbers`) and the sets and counters hold
    numbers: rdflib's term hashing and equality run in Python, and at 100x this loop sees
    2.5 M quads, most of whose terms are objects it has seen before (looked up by id)."""
    numbers = TermNumbers()
    known = numbers.by_id.get
    per_graph: Counter[int] = Counter()
    per_property: Counter[int] = Counter()
    typed: set[tuple[int, int]] = set()
    triples: set[tuple[int, int, int]] = set()
    rdf_type = numbers(RDF.type)
    left_out = frozenset((numbers(INFERRED_GRAPH), numbers(DESCRIPTION_GRAPH)))
    for s, p, o, g in quads:
        gn = known(id(g)) or numbers(g)
        per_graph[gn] += 1
        if gn in left_out:
            continue
        triple = (
            known(id(s)) or numbers(s),
            known(id(p)) or numbers(p),
            known(id(o)) or numbers(o),
        )
        if triple in triples:
            continue
        triples.add(triple)
        per_property[triple[1]] += 1
        if triple[1] == rdf_type:
            typed.add((triple[0], triple[2]))
    term = numbers.term
    objects = {t[2] for t in triples}
    return _Statistics(
        per_graph=Counter({cast(URIRef, term(g)): n for g, n in per_graph.items()}),
        per_property=Counter({term(p): n for p, n in per_property.items()}),
        per_class=Counter(term(c) for _, c in typed),
        triples=len(triples),
        subjects=len({t[0] for t in triples}),
        objects=sum(1 for o in objects if not isinstance(term(o), Literal)),
        examples=_examples(typed, numbers),
    )


def _examples(typed: set[tuple[int, int]], numbers: TermNumbers) -> list[URIRef]:
    """One resource of each main kind, the first in IRI order (stable across builds), from
    the (subject, class) numbers of the rdf:type triples."""
    kinds = (RK.Document, RK.Measure, RK.Agency, RK.MeasureLink)
    wanted = {numbers(cls): cls for cls in kinds}
    first: dict[Node, str] = {}
    for s, c in typed:
        cls = wanted.get(c)
        if cls is not None:
            iri = str(numbers.term(s))
            if cls not in first or iri < first[cls]:
                first[cls] = iri
    return [URIRef(first[cls]) for cls in kinds if cls in first]


def _triples(
    docs: list[ParsedDocument],
    quads: Iterable[Quad],
    build_date: str | None,
    commit: tuple[str, str] | None,
) -> Iterator[Triple]:
    stats = _statistics(quads)
    per_graph, per_property, per_class = stats.per_graph, stats.per_property, stats.per_class
    ds = DATASET_IRI
    zh = "zh-Hans"
    yield ds, RDF.type, VOID.Dataset
    yield ds, RDF.type, DCAT.Dataset
    yield ds, RDF.type, PROV.Entity
    yield ds, DCTERMS.title, Literal("ReformKG: Chinese reform measures", lang="en")
    yield ds, DCTERMS.title, Literal("改革举措知识图谱", lang=zh)
    yield (
        ds,
        DCTERMS.description,
        Literal(
            "Reform measures published in Chinese pilot-reform documents, read from the "
            "documents' text with provenance to file and line: the measures, their lead and "
            "responsible agencies, pilot places, scopes, deadlines and implementation status, "
            "policy themes, and links between measures of different batches.",
            lang="en",
        ),
    )
    yield (
        ds,
        DCTERMS.description,
        Literal(
            "从中国改革试点文件文本中读取的改革举措，可追溯至文件与行：举措、牵头与责任单位、"
            "来源地、推广范围、完成时限与实施状态、政策主题以及不同批次举措之间的关联。",
            lang=zh,
        ),
    )
    yield ds, DCTERMS.license, DATA_LICENSE
    yield (
        ds,
        DCTERMS.rights,
        Literal(
            "Data and ontology: CC BY 4.0 (attribute ReformKG contributors). The source "
            "documents are official documents of Chinese state organs, which the Copyright Law "
            "of the PRC (Art. 5) leaves outside copyright. Software: Apache-2.0.",
            lang="en",
        ),
    )
    yield ds, DCTERMS.publisher, PUBLISHER_IRI
    yield ds, DCTERMS.creator, PUBLISHER_IRI
    yield PUBLISHER_IRI, RDF.type, FOAF.Organization
    yield PUBLISHER_IRI, RDF.type, PROV.Agent
    yield PUBLISHER_IRI, FOAF.name, Literal("ReformKG contributors")
    yield PUBLISHER_IRI, RDFS.label, Literal("ReformKG contributors", lang="en")
    yield ds, OWL.versionInfo, Literal(__version__)
    version = __version__ + (f"+{commit[0]}" if commit else "")
    yield ds, DCAT.version, Literal(version)
    day = build_date or (commit[1] if commit else None)
    if day:
        yield ds, DCTERMS.modified, Literal(day, datatype=XSD.date)
    build = dataset_part_iri("activity", "build")
    yield ds, PROV.wasGeneratedBy, build
    yield build, RDF.type, PROV.Activity
    yield build, RDFS.label, Literal(f"reformkg build {version}", lang="en")
    yield build, PROV.used, URIRef(ONTOLOGY_IRI)
    yield build, PROV.wasAssociatedWith, PUBLISHER_IRI
    if day:
        yield build, DCTERMS.date, Literal(day, datatype=XSD.date)
    yield ds, DCTERMS.conformsTo, URIRef(ONTOLOGY_IRI)
    yield ds, DCTERMS.conformsTo, URIRef(SHAPES_IRI)
    for doc in docs:
        d = document_iri(doc.meta.doc_id)
        yield ds, DCTERMS.source, d
        yield build, PROV.used, d
    # access
    yield ds, VOID.sparqlEndpoint, SPARQL_ENDPOINT_IRI
    yield ds, VOID.uriSpace, Literal(str(ID))
    yield ds, VOID.rootResource, document_iri(docs[0].meta.doc_id) if docs else ds
    yield ds, VOID.feature, URIRef("http://www.w3.org/ns/formats/N-Quads")
    yield ds, VOID.feature, URIRef("http://www.w3.org/ns/formats/Turtle")
    service = dataset_part_iri("service", "sparql")
    yield ds, DCAT.distribution, dataset_part_iri("distribution", "sparql")
    yield dataset_part_iri("distribution", "sparql"), RDF.type, DCAT.Distribution
    yield dataset_part_iri("distribution", "sparql"), DCAT.accessService, service
    yield dataset_part_iri("distribution", "sparql"), DCAT.accessURL, SPARQL_ENDPOINT_IRI
    yield (
        dataset_part_iri("distribution", "sparql"),
        DCTERMS.title,
        Literal(
            "SPARQL endpoint (the default dataset; inference=true adds the closure)", lang="en"
        ),
    )
    yield dataset_part_iri("distribution", "sparql"), DCTERMS.license, DATA_LICENSE
    yield service, RDF.type, DCAT.DataService
    yield service, RDF.type, SD.Service
    yield service, DCAT.endpointURL, SPARQL_ENDPOINT_IRI
    yield service, DCAT.servesDataset, ds
    yield service, DCTERMS.conformsTo, URIRef("https://www.w3.org/TR/sparql11-protocol/")
    for file, (short, media_type, what) in DISTRIBUTIONS.items():
        dist = dataset_part_iri("distribution", short)
        yield ds, DCAT.distribution, dist
        yield ds, VOID.dataDump, URIRef(DOWNLOAD_BASE + file)
        yield dist, RDF.type, DCAT.Distribution
        yield dist, DCTERMS.title, Literal(f"{file}: {what}", lang="en")
        yield dist, DCAT.downloadURL, URIRef(DOWNLOAD_BASE + file)
        yield (
            dist,
            DCAT.mediaType,
            URIRef(f"https://www.iana.org/assignments/media-types/{media_type}"),
        )
        yield dist, DCTERMS.license, DATA_LICENSE
    for example in stats.examples:
        yield ds, VOID.exampleResource, example
    for prefix in _VOCABULARIES:
        yield ds, VOID.vocabulary, URIRef(PREFIXES[prefix])
    # statistics of the default dataset
    yield ds, VOID.triples, _lit(stats.triples)
    yield ds, VOID.distinctSubjects, _lit(stats.subjects)
    yield ds, VOID.distinctObjects, _lit(stats.objects)
    yield ds, VOID.classes, _lit(len(per_class))
    yield ds, VOID.properties, _lit(len(per_property))
    yield ds, VOID.entities, _lit(sum(per_class.values()))
    for cls in sorted(per_class, key=str):
        part = dataset_part_iri("class", _compact(cls))
        yield ds, VOID.classPartition, part
        yield part, VOID["class"], cls
        yield part, VOID.entities, _lit(per_class[cls])
    for prop in sorted(per_property, key=str):
        part = dataset_part_iri("property", _compact(prop))
        yield ds, VOID.propertyPartition, part
        yield part, VOID.property, prop
        yield part, VOID.triples, _lit(per_property[prop])
    yield from _subsets(docs, per_graph)


def _subsets(docs: list[ParsedDocument], per_graph: Counter[URIRef]) -> Iterator[Triple]:
    """One void:Dataset per named graph (sd:name), the links graph a void:Linkset, the derived
    and inferred graphs with their provenance."""
    ds = DATASET_IRI
    sources = {str(GRAPH[f"doc/{d.meta.doc_id}"]): document_iri(d.meta.doc_id) for d in docs}
    derivation = dataset_part_iri("activity", "derivation")
    for graph in sorted(per_graph, key=str):
        if graph == DESCRIPTION_GRAPH:
            continue
        sub = dataset_part_iri("graph", str(graph).removeprefix(str(GRAPH)))
        yield ds, VOID.subset, sub
        yield sub, RDF.type, VOID.Dataset
        yield sub, SD.name, graph
        yield sub, VOID.triples, _lit(per_graph[graph])
        if str(graph) in sources:
            yield sub, DCTERMS.source, sources[str(graph)]
        if graph == LINKS_GRAPH:
            yield sub, RDF.type, VOID.Linkset
            yield sub, VOID.subjectsTarget, ds
            yield sub, VOID.objectsTarget, ds
            for prop in (RK.evolvesFrom, RK.sameReformAs, RK.relatedTo):
                yield sub, VOID.linkPredicate, prop
        if graph == DERIVED_GRAPH:
            yield sub, RDF.type, PROV.Entity
            yield sub, PROV.wasGeneratedBy, derivation
            for other in sorted(per_graph, key=str):
                if other not in (DERIVED_GRAPH, INFERRED_GRAPH, DESCRIPTION_GRAPH):
                    yield (
                        sub,
                        PROV.wasDerivedFrom,
                        dataset_part_iri("graph", str(other).removeprefix(str(GRAPH))),
                    )
            yield (
                sub,
                DCTERMS.description,
                Literal(
                    "Shortcut entailments the ontology documents, stated by the build so that "
                    "the default dataset answers them without the inference switch.",
                    lang="en",
                ),
            )
        if graph == INFERRED_GRAPH:
            yield (
                sub,
                DCTERMS.description,
                Literal(
                    "The rest of the OWL 2 RL closure (super-classes and super-properties, "
                    "inverses and symmetric links, transitive closures): in the dataset only "
                    "with inference=true.",
                    lang="en",
                ),
            )
    yield derivation, RDF.type, PROV.Activity
    yield derivation, RDFS.label, Literal("derivation of the shortcut entailments", lang="en")
    yield derivation, RDFS.comment, Literal(_RULES)
    yield derivation, PROV.used, URIRef(ONTOLOGY_IRI)
    yield derivation, PROV.wasInformedBy, dataset_part_iri("activity", "build")


def describe(
    docs: list[ParsedDocument],
    quads: list[Quad],
    inferred: Iterable[tuple[Node, Node, Node]],
    build_date: str | None,
    commit: tuple[str, str] | None,
) -> list[Quad]:
    """The description's quads (in graph/description) for a build of `docs` whose other quads
    are `quads` (asserted and derived) and `inferred`."""
    everything = chain(quads, ((s, p, o, INFERRED_GRAPH) for s, p, o in inferred))
    return [
        (s, p, o, DESCRIPTION_GRAPH) for s, p, o in _triples(docs, everything, build_date, commit)
    ]
