"""Records → RDF: one named graph per document, one for the shared entities.

This is the only module that knows both the records and the ontology's terms. It emits
plain (subject, predicate, object) tuples; the build groups them into named graphs and
serialises them deterministically. No blank nodes are minted: every resource has a
readable IRI (graph/namespace.py), so the output is byte-identical across builds.

Chinese text printed in traditional (or mixed) characters is kept as printed, tagged @zh-Hant,
with its simplified form @zh-Hans alongside (`in_both_scripts`), so a query in either script
finds it; text printed in simplified characters has one literal.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from functools import wraps
from typing import ParamSpec

from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS, XSD

from reformkg.etl.curation import Applied
from reformkg.etl.lineage import Lineage
from reformkg.etl.link import Link
from reformkg.etl.normalise import Resolver
from reformkg.etl.records import AgencyRef, Measure, ParsedDocument
from reformkg.etl.themes import ThemeHit
from reformkg.script import PRINTED_TAG, SIMPLIFIED_TAG, to_simplified
from reformkg.vocab import (
    ID,
    LINKER_AGENT,
    ORG,
    PROV,
    RK,
    ROLE_LEAD,
    ROLE_RESPONSIBLE,
    SCHEMA,
    STATUS_LANDED,
    STATUS_NO_DEADLINE,
    TIME,
    agency_iri,
    agency_role_iri,
    curator_iri,
    document_iri,
    item_iri,
    link_iri,
    measure_iri,
    measure_iri_of_path,
    place_iri,
    practice_point_iri,
    reform_iri,
    review_iri,
    scope_iri,
    section_iri,
    theme_assignment_iri,
    theme_iri,
)

Triple = tuple[URIRef, URIRef, URIRef | Literal]
LEVEL_IRI = {
    "national": RK.NationalLevel,
    "provincial": RK.ProvincialLevel,
    "city": RK.CityLevel,
    "district": RK.DistrictLevel,
    "collective": RK.CollectiveLevel,
}


def zh(text: str) -> Literal:
    """Chinese as the documents print it: simplified characters (BCP 47 zh-Hans)."""
    return Literal(text, lang="zh-Hans")


#: How precise a printed deadline is, as OWL-Time units.
PRECISION_UNITS = {"day": TIME.unitDay, "month": TIME.unitMonth, "year": TIME.unitYear}
#: 完成时限 texts that are a status, not a date (the SHACL shape lists the same ones).
LANDED_TEXTS = ("已落地",)


def _date(value: str) -> Literal:
    """A date as known: YYYY-MM-DD an xsd:date, YYYY-MM an xsd:gYearMonth, YYYY an xsd:gYear."""
    kind = {10: XSD.date, 7: XSD.gYearMonth, 4: XSD.gYear}[len(value)]
    return Literal(value, datatype=kind)


#: Properties whose value is exactly what was printed: tagged, never given a second form.
PRINTED_ONLY = frozenset(
    {
        RK.nameRaw,
        RK.practiceTextRaw,
        RK.effectTextRaw,
        RK.leadAgencyRaw,
        RK.responsibleAgencyRaw,
        RK.scopeRaw,
        SKOS.altLabel,  # an agency's aliases list their simplified forms as aliases of their own
    }
)
_Args = ParamSpec("_Args")


def in_both_scripts(
    produce: Callable[_Args, Iterable[Triple]],
) -> Callable[_Args, Iterator[Triple]]:
    """The triples of `produce`, with each Chinese literal that has traditional characters
    tagged @zh-Hant and (but for PRINTED_ONLY properties) its simplified form @zh-Hans added,
    and the subject marked `rk:printedInTraditional` the property (once).

    The mark is what a question reads to keep the printed text only: the simplified copies are
    the values of a marked property that are not @zh-Hant, found by one scan of the marks
    (empty when everything was printed in simplified characters) instead of a lookup per row."""

    @wraps(produce)
    def both(*args: _Args.args, **kwargs: _Args.kwargs) -> Iterator[Triple]:
        marked: set[tuple[URIRef, URIRef]] = set()
        for s, p, o in produce(*args, **kwargs):
            if isinstance(o, Literal) and (o.language or "").lower() in {"zh", "zh-hans"}:
                text = str(o)
                simple = to_simplified(text)
                if simple != text:
                    yield s, p, Literal(text, lang=PRINTED_TAG)
                    if p not in PRINTED_ONLY:
                        yield s, p, Literal(simple, lang=SIMPLIFIED_TAG)
                    if (s, p) not in marked:
                        marked.add((s, p))
                        yield s, RK.printedInTraditional, p
                    continue
            yield s, p, o

    return both


def iri_of(m: Measure) -> URIRef:
    return measure_iri(m.doc_id, m.number, m.part)


@in_both_scripts
def document_triples(doc: ParsedDocument) -> Iterator[Triple]:
    """The document (batch), its sections and its reform items."""
    meta = doc.meta
    d = document_iri(meta.doc_id)
    yield d, RDF.type, RK.Document
    yield d, RDF.type, SCHEMA.Legislation  # for consumers that read schema.org without reasoning
    yield d, DCTERMS.title, zh(meta.title)
    yield d, RDFS.label, zh(meta.title)
    if meta.short_title:
        yield d, DCTERMS.alternative, zh(meta.short_title)
    yield d, RK.kind, Literal(meta.kind)
    yield d, RK.batchOrder, Literal(meta.batch_order)
    yield d, RK.dateStatus, Literal(meta.date_status)
    yield d, RK.sourceFile, Literal(meta.file)
    yield d, RK.jurisdiction, place_iri(meta.jurisdiction)
    if meta.date:
        yield d, DCTERMS.issued, _date(meta.date)
    if meta.date_not_before:
        yield d, RK.issuedNotBefore, Literal(meta.date_not_before, datatype=XSD.date)
    if meta.date_not_after:
        yield d, RK.issuedNotAfter, Literal(meta.date_not_after, datatype=XSD.date)
    if meta.date_evidence:
        yield d, RK.dateEvidence, Literal(meta.date_evidence, lang="en")
    if meta.document_number:  # the 文号 is the document's identifier (ELI: its local id)
        yield d, RK.documentNumber, Literal(meta.document_number)
        yield d, DCTERMS.identifier, Literal(meta.document_number)
    for issuer in meta.issuers:
        yield d, RK.issuedBy, agency_iri(issuer)
    if meta.star_meaning:
        yield d, RK.starMeaning, zh(meta.star_meaning)
    if meta.previous_batch_text:
        yield d, RK.previousBatchText, zh(meta.previous_batch_text)
    if meta.description:
        yield d, DCTERMS.description, zh(meta.description)
    for s in doc.sections:
        si = section_iri(meta.doc_id, s.index)
        yield si, RDF.type, RK.Section
        yield si, RDFS.label, zh(s.title)
        yield si, RK.sectionOf, d
        yield si, RK.position, Literal(s.index)
        yield si, RK.sectionInferred, Literal(s.inferred)
        if s.line:
            yield si, RK.lineStart, Literal(s.line)
    items: dict[str, list[Measure]] = {}
    for m in doc.measures:
        items.setdefault(m.number, []).append(m)
    for number, rows in items.items():
        ii = item_iri(meta.doc_id, number)
        yield ii, RDF.type, RK.ReformItem
        yield ii, RDFS.label, zh(rows[0].name.clean)
        yield ii, RK.inDocument, d
        if rows[0].number_label:
            yield ii, RK.numberLabel, Literal(rows[0].number_label)
        if number.isdigit():
            yield ii, RK.number, Literal(int(number))
        for m in rows:
            yield ii, RK.hasPart, iri_of(m)


@in_both_scripts
def measure_triples(
    m: Measure, section_of: dict[int, URIRef], jurisdiction: str
) -> Iterator[Triple]:
    """A measure's triples; `jurisdiction` (its document's place id) stands in only where the
    row prints no 来源, under rk:jurisdiction."""
    s = iri_of(m)
    d = document_iri(m.doc_id)
    yield s, RDF.type, RK.Measure
    yield s, RDFS.label, zh(m.name.clean)
    if m.name.raw:  # a continuation row that printed no name has none as printed
        yield s, RK.nameRaw, zh(m.name.raw)
    for flag in m.flags:
        yield s, RK.parseFlag, Literal(flag)
    yield s, RK.inDocument, d
    yield s, PROV.wasDerivedFrom, d
    yield s, RK.partOfItem, item_iri(m.doc_id, m.number)
    if m.section is not None:
        yield s, RK.inSection, section_of[m.section]
    if m.number.isdigit():
        yield s, RK.number, Literal(int(m.number))
    if m.number_label:
        yield s, RK.numberLabel, Literal(m.number_label)
    if m.part is not None:
        yield s, RK.part, Literal(m.part)
    yield s, RK.starred, Literal(m.starred)
    yield s, RK.practiceText, zh(m.practice.clean)
    yield s, RK.practiceTextRaw, zh(m.practice.raw)
    for position, text in enumerate(m.practice_points, start=1):
        p = practice_point_iri(s, position)
        yield s, RK.hasPracticePoint, p
        yield p, RDF.type, RK.PracticePoint
        yield p, RK.position, Literal(position)
        yield p, RK.text, zh(text)
    if m.effect is not None and m.effect.raw:
        yield s, RK.effectText, zh(m.effect.clean)
        yield s, RK.effectTextRaw, zh(m.effect.raw)
    for place in m.places:
        yield s, RK.sourcePlace, place_iri(place)
    if not m.places:  # the list's jurisdiction, never passed off as a printed pilot place
        yield s, RK.jurisdiction, place_iri(jurisdiction)
    for scope in m.scope:
        yield s, RK.promotionScope, scope_iri(scope)
    if m.scope_raw:
        yield s, RK.scopeRaw, zh(m.scope_raw)
    yield from _agency_triples(s, "lead", m.lead, m.lead_raw)
    yield from _agency_triples(s, "responsible", m.responsible, m.responsible_raw)
    if m.deadline_text:
        yield s, RK.deadlineText, zh(m.deadline_text)
    if m.deadline_date:
        yield s, RK.deadline, Literal(m.deadline_date, datatype=XSD.date)
        if m.deadline_precision:
            yield s, RK.deadlinePrecision, PRECISION_UNITS[m.deadline_precision]
    elif m.deadline_text.startswith(LANDED_TEXTS):
        yield s, RK.implementationStatus, STATUS_LANDED
    elif not m.deadline_text.strip():
        yield s, RK.implementationStatus, STATUS_NO_DEADLINE
    for run in m.duplicated:
        yield s, RK.duplicatedText, zh(run)
    yield s, RK.sourceFile, Literal(m.source_file)
    yield s, RK.lineStart, Literal(m.line_start)
    yield s, RK.lineEnd, Literal(m.line_end)


AGENCY_COLUMNS = {
    "lead": (RK.leadAgency, RK.leadAgencyRaw, ROLE_LEAD),
    "responsible": (RK.responsibleAgency, RK.responsibleAgencyRaw, ROLE_RESPONSIBLE),
}


def _agency_triples(
    s: URIRef, column: str, refs: tuple[AgencyRef, ...], raw: str
) -> Iterator[Triple]:
    """The shortcut (rk:leadAgency …) and a qualified rk:AgencyRole per agency of a cell: its
    role, its place in the printed cell, the name as printed and the note printed with it."""
    prop, raw_prop, role = AGENCY_COLUMNS[column]
    for position, ref in enumerate(refs, start=1):
        agency = agency_iri(ref.canonical)
        node = agency_role_iri(s, column, position)
        yield s, prop, agency
        yield s, RK.agencyRole, node
        yield node, RDF.type, RK.AgencyRole
        yield node, RK.agency, agency
        yield node, RK.role, role
        yield node, RK.position, Literal(position)
        yield node, RK.nameRaw, zh(ref.name_as_printed)
        if ref.note:
            yield node, RK.agencyNote, zh(ref.note)
    if raw.strip():
        yield s, raw_prop, zh(raw.strip())


@in_both_scripts
def entity_triples(docs: Iterable[ParsedDocument], resolver: Resolver) -> Iterator[Triple]:
    """Agencies (with every printed alias), places with their hierarchy, scopes, agency levels."""
    agencies: dict[str, tuple[str, set[str], set[str]]] = {}
    scopes: set[str] = set()
    for doc in docs:
        jurisdiction = doc.meta.jurisdiction
        for issuer in doc.meta.issuers:
            level = resolver.agencies[issuer].level if issuer in resolver.agencies else "national"
            agencies.setdefault(issuer, (level, set(), set()))[2].add(jurisdiction)
        for m in doc.measures:
            scopes.update(m.scope)
            for ref in (*m.lead, *m.responsible):
                entry = agencies.setdefault(ref.canonical, (ref.level, set(), set()))
                entry[1].update({ref.alias, to_simplified(ref.alias)})
                entry[2].add(jurisdiction)
    for name in sorted(agencies):
        level, printed, where = agencies[name]
        a = agency_iri(name)
        yield a, RDF.type, RK.CollectiveAgency if level == "collective" else RK.Agency
        yield a, RDF.type, ORG.Organization
        yield a, SKOS.prefLabel, zh(name)
        yield a, RDFS.label, zh(name)
        yield a, RK.level, LEVEL_IRI[level]
        known = resolver.agencies.get(name)
        for alias in sorted(printed | set(known.aliases if known else ())):
            if alias != name:
                yield a, SKOS.altLabel, zh(alias)
        if known and known.parent:
            yield a, ORG.subOrganizationOf, agency_iri(known.parent)
        if level != "national":
            for place in sorted(where):
                city = resolver.city_of(place)
                yield a, RK.jurisdiction, place_iri(city.id if city else place)
    for p in sorted(resolver.places.values(), key=lambda p: p.id):
        pi = place_iri(p.id)
        yield pi, RDF.type, RK.Place
        yield pi, RDFS.label, zh(p.name_zh)
        yield pi, RDFS.label, Literal(p.name_en, lang="en")
        yield pi, RK.kind, Literal(p.kind)
        for alias in p.aliases:
            yield pi, SKOS.altLabel, zh(alias)
        if p.within:
            yield pi, RK.withinPlace, place_iri(p.within)
    english = {c: en for c, en in resolver.scopes.values()}
    for scope in sorted(scopes):
        si = scope_iri(scope)
        yield si, RDF.type, RK.PromotionScope
        yield si, RDFS.label, zh(scope)
        if english.get(scope):
            yield si, RDFS.label, Literal(english[scope], lang="en")


# --------------------------------------------------------------------------- themes and links

RELATION_TERMS = {"same": RK.SameReform, "evolution": RK.Evolution, "related": RK.Related}
DIRECT_PROPERTIES = {"same": RK.sameReformAs, "evolution": RK.evolvesFrom, "related": RK.relatedTo}


def assignment_triples(measure: URIRef, hits: Iterable[ThemeHit]) -> list[Triple]:
    """rk:hasTheme plus one rk:ThemeAssignment per hit, with its evidence (stable IRIs)."""
    triples: list[Triple] = []
    for h in hits:
        theme = theme_iri(h.theme_id)
        node = theme_assignment_iri(measure, h.theme_id)
        triples += [
            (measure, RK.hasTheme, theme),
            (measure, RK.themeAssignment, node),
            (node, RDF.type, RK.ThemeAssignment),
            (node, RK.assignedTheme, theme),
            (node, RK.themeScore, Literal(Decimal(f"{h.score:.2f}"), datatype=XSD.decimal)),
        ]
        triples += [(node, RK.matchedTerm, zh(t)) for t in h.terms]
        triples += [(node, RK.matchedField, Literal(f)) for f in h.fields]
        triples += [(node, RK.matchedExample, measure_iri_of_path(e)) for e in h.examples]
    return triples


def _link_end(key: tuple[str, str, int | None]) -> URIRef:
    return measure_iri(key[0], key[1], key[2])


#: Context evidence of a link, as the linker prefixes it ("agency:深圳市…"), → an object property.
EVIDENCE_PROPERTIES = {
    "agency": (RK.sharedAgency, agency_iri),
    "place": (RK.sharedPlace, place_iri),
    "theme": (RK.sharedTheme, theme_iri),
    "via": (RK.viaMeasure, lambda path: ID[f"measure/{path}"]),
}


def _evidence_triple(node: URIRef, term: str) -> Triple:
    """A shared agency, place, theme or middle measure as a link to it; a shared word or phrase
    as Chinese text."""
    kind, _, value = term.partition(":")
    if value and kind in EVIDENCE_PROPERTIES:
        prop, mint = EVIDENCE_PROPERTIES[kind]
        return node, prop, mint(value)
    return node, RK.evidenceTerm, zh(term)


def link_triples(links: Iterable[Link]) -> list[Triple]:
    """Direct properties (for property paths such as evolvesFrom+) and a qualified rk:MeasureLink
    with its score (0–1) and its evidence: shared agencies, places and themes, the middle measure
    of a lineage, and shared words."""
    triples: list[Triple] = []
    for link in links:
        source, target = _link_end(link.source_key), _link_end(link.target_key)
        node = link_iri(source, target)
        triples.append((source, DIRECT_PROPERTIES[link.relation], target))
        triples += [
            (node, RDF.type, RK.MeasureLink),
            (node, RK.linkSource, source),
            (node, RK.linkTarget, target),
            (node, RK.relation, RELATION_TERMS[link.relation]),
            (node, RK.method, Literal(link.method)),
        ]
        if link.score is not None:  # a link a curator added has no machine score
            triples.append(
                (node, RK.linkScore, Literal(Decimal(f"{link.score:.3f}"), datatype=XSD.decimal))
            )
        triples += [_evidence_triple(node, term) for term in link.evidence]
    return triples


# --------------------------------------------------------------------------- review and lineages

STATUS_TERMS = {
    "machine": RK.MachineProposed,
    "confirmed": RK.CuratorConfirmed,
    "added": RK.CuratorAdded,
}
DECISION_TERMS = {"confirm": RK.Confirm, "reject": RK.Reject, "add": RK.Add}


def provenance_triples(links: Iterable[Link], applied: Iterable[Applied]) -> list[Triple]:
    """Who stands behind each link (PROV): the linker (a software agent; its version is the
    link's rk:method) or a curator's review, with the review's decision, date and note.

    A rejected link is gone from the graph; its review stays, naming the two measures, so the
    graph says who removed what and why."""
    triples: list[Triple] = [
        (LINKER_AGENT, RDF.type, PROV.SoftwareAgent),
        (LINKER_AGENT, RDFS.label, Literal("ReformKG linker (etl/link.py)", lang="en")),
    ]
    reviews: dict[tuple[URIRef, URIRef], tuple[URIRef, URIRef]] = {}
    for a in applied:
        source, target = _link_end(a.source), _link_end(a.target)
        node = review_iri(source, target)
        curator = curator_iri(a.review.reviewer)
        reviews[source, target] = (node, curator)
        triples += [
            (node, RDF.type, RK.LinkReview),
            (node, RK.decision, DECISION_TERMS[a.review.decision]),
            (node, RK.reviewedSource, source),
            (node, RK.reviewedTarget, target),
            (node, PROV.wasAssociatedWith, curator),
            (node, DCTERMS.date, Literal(a.review.date, datatype=XSD.date)),
            (curator, RDF.type, PROV.Person),
            (curator, RDFS.label, Literal(a.review.reviewer)),
        ]
        if a.review.relation:
            triples.append((node, RK.reviewedRelation, RELATION_TERMS[a.review.relation]))
        if a.review.note:
            triples.append((node, RDFS.comment, Literal(a.review.note)))
    for link in links:
        source, target = _link_end(link.source_key), _link_end(link.target_key)
        node = link_iri(source, target)
        triples.append((node, RK.linkStatus, STATUS_TERMS[link.status]))
        if link.status != "added":
            triples.append((node, PROV.wasAttributedTo, LINKER_AGENT))
        if link.status != "machine" and (source, target) in reviews:
            review, curator = reviews[source, target]
            triples.append((node, RK.reviewedIn, review))
            if link.status == "added":
                triples.append((node, PROV.wasGeneratedBy, review))
                triples.append((node, PROV.wasAttributedTo, curator))
    return triples


@in_both_scripts
def lineage_triples(
    found: Iterable[Lineage], names: dict[tuple[str, str, int | None], str]
) -> Iterator[Triple]:
    """One rk:Reform per lineage, labelled with its latest version's name (in both scripts when
    printed in traditional characters), with its versions."""
    for lineage in found:
        node = reform_iri(*lineage.anchor)
        yield node, RDF.type, RK.Reform
        yield node, RDFS.label, zh(names[lineage.versions[-1]])
        for k in lineage.versions:
            yield node, RK.hasVersion, _link_end(k)
