"""Build time: the stages between parsing and writing, each a plain function of what came before.

Themes and links over the parsed records; the shortcut entailments (graph/derived); SHACL
validation of the default dataset against the shapes and the ontology (never the closure); the
OWL-RL closure of it and the disjointness check on the closure's types; the dataset's own
description. `reformkg.graph.pipeline.build` runs and times them in order.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from rdflib import RDF, Literal

from reformkg.errors import ValidationFailed
from reformkg.etl import curation, similarity, theme_model
from reformkg.etl import lineage as lineages
from reformkg.etl import link as linking
from reformkg.etl import themes as theming
from reformkg.etl.dataset import Asserted, MeasureKey, measure_key
from reformkg.etl.records import ParsedDocument
from reformkg.graph.pipeline import derive as deriver
from reformkg.graph.pipeline import describe as describer
from reformkg.graph.pipeline import reason as reasoner
from reformkg.graph.pipeline import validate as validator
from reformkg.reviews import FILE_NAME, read_reviews
from reformkg.settings import Settings
from reformkg.vocab import measure_path


def classify_themes(
    docs: list[ParsedDocument], settings: Settings
) -> tuple[dict[MeasureKey, list[theming.ThemeHit]], int]:
    """Theme hits per measure, and how many labelled examples the classifier learned from:
    candidates from the vocabulary of ontology/themes.ttl, decided by the model fitted to
    data/theme_examples.csv (the term rule alone when there are no examples)."""
    vocab = theming.load_vocabulary(settings.ontology_dir)
    examples = theme_model.load_examples(settings.data_dir / theme_model.EXAMPLES_FILE, vocab)
    model = theme_model.train(examples, vocab)
    measures = [m for d in docs for m in d.measures]
    classified = theming.classify_measures(measures, vocab, model)
    hits = {measure_key(m): found for m, found in zip(measures, classified, strict=True)}
    # An example is named as evidence when it is a measure of this build (a collection without
    # the bundled documents still learns from their examples, but cannot point at them).
    here = {measure_path(*key) for key in hits}
    for key, found in hits.items():
        hits[key] = [replace(h, examples=tuple(e for e in h.examples if e in here)) for h in found]
    return hits, len(examples) if model is not None else 0


def assign_themes(
    docs: list[ParsedDocument], settings: Settings
) -> dict[MeasureKey, list[theming.ThemeHit]]:
    """Theme hits per measure (classify_themes without the count)."""
    return classify_themes(docs, settings)[0]


def link_themes(
    themes: dict[MeasureKey, list[theming.ThemeHit]],
) -> dict[MeasureKey, list[str]]:
    """The themes the linker may count as shared context: those a measure has by its own terms.

    Why: the theme model carries the labels of a measure's nearest examples over, and the
    nearest example of a restated reform is often the very measure it would be linked to; a
    theme shared that way is the two texts' similarity counted a second time (it pushed related
    pairs over the counterpart threshold: docs/linking.md). Every theme passed is one the measure
    has in the graph, so a link's rk:sharedTheme is always a theme of both measures."""
    return {k: [h.theme_id for h in hits if h.own_terms] for k, hits in themes.items()}


def link(
    docs: list[ParsedDocument],
    themes: dict[MeasureKey, list[theming.ThemeHit]],
    cache_dir: Path | None = None,
) -> list[linking.Link]:
    """Cross-batch links (same reform / evolution / related) between measures; jieba's
    dictionary and the texts it cut are kept in `cache_dir` (see `cache_dir`)."""
    similarity.use_cache(cache_dir)
    links = linking.link_measures(docs, link_themes(themes))
    similarity.keep_cuts()
    return links


def cache_dir(settings: Settings) -> Path:
    """Where the build keeps what it may reuse between builds (jieba's dictionary and cuts):
    beside the build folder, which is replaced whole by every build (`build` → `build.cache`)."""
    return settings.build_dir.with_name(settings.build_dir.name + ".cache")


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


def derive(data: Asserted) -> None:
    """Add the shortcut entailments (graph/derived) to the quads: the default dataset serves them."""
    data.quads.extend(deriver.derive(data.quads))


def reason(data: Asserted, settings: Settings) -> set[reasoner.Triple]:
    """The OWL-RL closure's new triples only (kept in their own named graph); ValidationFailed
    when the closure types an individual with two disjoint classes (rule cax-adc)."""
    # Literal-valued triples feed no rule of the ontology and `infer` drops inferences about
    # literals, so the reasoner is given the resource-valued triples only (a third of the data).
    # A list: `infer_triples` makes the set it needs (repeats change neither it nor `clashes`).
    resources = [(s, p, o) for s, p, o, _ in data.quads if not isinstance(o, Literal)]
    inferred = reasoner.infer_triples(resources, data.ontology)
    # Only the types by classes declared disjoint can clash: the others are not compared (rdflib
    # compares terms in Python, and two million triples were, at 100x).
    rdf_type, disjoint = RDF.type, {c for g in reasoner.disjoint_groups(data.ontology) for c in g}
    types = [(s, o) for s, p, o in resources if o in disjoint and p == rdf_type]
    types += [(s, o) for s, p, o in inferred if o in disjoint and p == rdf_type]
    found = reasoner.clashes(types, data.ontology)
    if found:
        raise ValidationFailed(
            f"{len(found)} individual(s) of two disjoint classes (owl:AllDisjointClasses, "
            "OWL 2 RL rule cax-adc):\n" + format_clashes(found[:20])
        )
    return inferred


def format_clashes(found: list[reasoner.Clash]) -> str:
    """One line per clash, with the project's prefixes."""
    short = validator.shorten
    return "\n".join(
        f"Inconsistent  {short(str(x))}: both {short(str(a))} and {short(str(b))}, declared disjoint"
        for x, a, b in found
    )


def validate(data: Asserted, settings: Settings) -> None:
    """SHACL over the default dataset (asserted and derived quads, the ontology among them);
    any violation fails the build. Not over the closure: there a property's range types whatever
    it points at, and a link to the wrong kind of thing would pass every sh:class check."""
    shapes = validator.load_shapes(settings.ontology_dir / "shapes.ttl")
    # compiled over the quads themselves: no rdflib Graph of the data (3.3 GB at 100x)
    violations = validator.validate_triples(
        lambda: ((s, p, o) for s, p, o, _ in data.quads), shapes
    )
    if violations:
        raise ValidationFailed(
            f"{len(violations)} SHACL violation(s):\n"
            + validator.format_violations(violations[:20])
        )


def describe(
    data: Asserted, inferred: set[reasoner.Triple], docs: list[ParsedDocument], settings: Settings
) -> None:
    """Add the dataset's description (graph/description: VoID, DCAT, licence, provenance)."""
    commit = describer.build_commit()
    data.quads.extend(describer.describe(docs, data.quads, inferred, settings.build_date, commit))
