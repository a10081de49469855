"""Build time: the stages between parsing and writing, each a plain function of what came before.

Themes and links over the parsed records, then the OWL-RL closure of the asserted quads and
their SHACL validation; `reformkg.graph.pipeline.build` runs and times them in order.
"""

from __future__ import annotations

from rdflib import Graph, Literal
from rdflib.plugins.stores.memory import SimpleMemory

from reformkg.errors import ValidationFailed
from reformkg.etl import curation
from reformkg.etl import lineage as lineages
from reformkg.etl import link as linking
from reformkg.etl import themes as theming
from reformkg.etl.dataset import Asserted, MeasureKey, measure_key
from reformkg.etl.records import ParsedDocument
from reformkg.graph.pipeline import reason as reasoner
from reformkg.graph.pipeline import validate as validator
from reformkg.reviews import FILE_NAME, read_reviews
from reformkg.settings import Settings


def assign_themes(
    docs: list[ParsedDocument], settings: Settings
) -> dict[MeasureKey, list[theming.ThemeHit]]:
    """Theme hits per measure, from the vocabulary in ontology/themes.ttl."""
    vocab = theming.load_vocabulary(settings.ontology_dir)
    return {measure_key(m): theming.classify(m, vocab) for d in docs for m in d.measures}


def link(
    docs: list[ParsedDocument], themes: dict[MeasureKey, list[theming.ThemeHit]]
) -> list[linking.Link]:
    """Cross-batch links (same reform / evolution / related) between measures."""
    theme_ids = {k: [h.theme_id for h in hits] for k, hits in themes.items()}
    return linking.link_measures(docs, theme_ids)


def curate(
    docs: list[ParsedDocument], links: list[linking.Link], settings: Settings
) -> tuple[curation.Curated, list[lineages.Lineage]]:
    """The curators' reviews (data/link-reviews.csv) applied to the links, then the lineages
    the reviewed links join."""
    rank = linking.doc_order(docs)
    known = {measure_key(m) for d in docs for m in d.measures}
    curated = curation.apply_reviews(
        links, read_reviews(settings.data_dir / FILE_NAME), rank, known
    )
    return curated, lineages.lineages(curated.links, rank)


def reason(data: Asserted, settings: Settings) -> Graph:
    """The OWL-RL closure's new triples only (kept in their own named graph)."""
    # Literal-valued triples feed no rule of the ontology and `infer` drops inferences about
    # literals, so the reasoner is given the resource-valued triples only (a third of the data).
    resources = Graph(store=SimpleMemory())
    for s, p, o, _ in data.quads:
        if not isinstance(o, Literal):
            resources.add((s, p, o))
    return reasoner.infer(resources, data.ontology)


def validate(data: Asserted, inferred: Graph, settings: Settings) -> None:
    """SHACL over the asserted data (plus inferences); any violation fails the build."""
    graph = Graph()  # pySHACL needs a context-aware store
    for s, p, o, _ in data.quads:
        graph.add((s, p, o))
    for t in inferred:
        graph.add(t)
    violations = validator.validate(graph, settings.ontology_dir / "shapes.ttl")
    if violations:
        raise ValidationFailed(
            f"{len(violations)} SHACL violation(s):\n"
            + validator.format_violations(violations[:20])
        )
