"""Cross-batch linking (issue #4): quality against pairs labelled by reading the documents,
structure (direction, no within-document links, one link per item pair, determinism), blocking,
and the RDF contract (direct properties walkable with evolvesFrom+, qualified MeasureLinks).
"""

from __future__ import annotations

import csv
import hashlib
import os
import subprocess
import sys
from decimal import Decimal

import pytest
from rdflib import XSD, Literal

from bench import bench_link, eval_links
from reformkg.etl import link as linkmod
from reformkg.etl.link import Link, doc_order, link_measures
from reformkg.etl.to_rdf import link_triples
from reformkg.graph.query.store import select
from reformkg.vocab import RK, link_iri, measure_iri

from checkout import ROOT

PREFIX = "PREFIX rk: <https://w3id.org/reformkg/ontology#>\n"


@pytest.fixture(scope="session")
def links(build_result) -> list[Link]:
    """The links of the session's real build (themes included, as the build computes them)."""
    return build_result.links


@pytest.fixture(scope="session")
def labels() -> list[eval_links.Label]:
    return eval_links.load_labels()


def test_labelled_pairs_are_enough_and_exist(labels, parsed_docs):
    """The label file names real measures, with a reason, and holds the required counts."""
    keys = {(m.doc_id, m.number, m.part) for d in parsed_docs for m in d.measures}
    assert all(lab.source in keys and lab.target in keys for lab in labels)
    assert all(lab.reason.strip() for lab in labels)
    assert all(lab.label in {"same", "evolution", "related", "none"} for lab in labels)
    linked = [lab for lab in labels if lab.label != "none"]
    hard_negatives = [lab for lab in labels if lab.label == "none"]
    assert len(linked) >= 40 and len(hard_negatives) >= 20
    order = doc_order(parsed_docs)
    # the label file is written later -> earlier, like the links
    assert all(order[lab.source[0]] > order[lab.target[0]] for lab in labels)


@pytest.fixture(scope="session")
def blind_labels() -> list[eval_links.Label]:
    return eval_links.load_labels(eval_links.BLIND_FILE)


def test_blind_labels_exist_and_point_later_to_earlier(blind_labels, parsed_docs):
    """The second, blind label set names real measures, later -> earlier, each with a reason,
    once per pair, from the two annotators, with a confidence."""
    keys = {(m.doc_id, m.number, m.part) for d in parsed_docs for m in d.measures}
    order = doc_order(parsed_docs)
    assert len(blind_labels) >= 100
    assert all(lab.source in keys and lab.target in keys for lab in blind_labels)
    assert all(order[lab.source[0]] > order[lab.target[0]] for lab in blind_labels)
    assert all(lab.reason.strip() for lab in blind_labels)
    assert all(lab.label in {"same", "evolution", "related"} for lab in blind_labels)
    pairs = [frozenset((lab.source, lab.target)) for lab in blind_labels]
    assert len(pairs) == len(set(pairs))
    with eval_links.BLIND_FILE.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert {r["annotator"] for r in rows} == {"A", "B"}
    assert {r["confidence"] for r in rows} <= {"high", "medium"}


def test_quality_floor_on_labelled_pairs(labels, blind_labels, links):
    """Regression floor at the chosen thresholds (figures printed by bench/eval_links.py),
    on the labels the parameters were set on and on the blind labels they were not."""
    counterpart = eval_links.score(labels, links, eval_links.COUNTERPART)
    any_link = eval_links.score(labels, links, eval_links.LINKED)
    assert counterpart.precision >= 0.80 and counterpart.recall >= 0.80, counterpart
    assert any_link.precision >= 0.95 and any_link.recall >= 0.59, any_link
    assert not eval_links.direction_errors(labels, links)
    blind = eval_links.score(blind_labels, links, eval_links.COUNTERPART)
    assert blind.precision >= 0.78 and blind.recall >= 0.78, blind
    assert not eval_links.direction_errors(blind_labels, links)


def test_a_shared_theme_rests_on_both_measures_own_terms(build_result, links):
    """The shared-theme bonus counts only themes each measure has by its own terms (the term
    rule gives them too), never one the theme model carried over from the nearest labelled
    examples: the nearest example of a restated reform is often the other end of the link, and
    its label would count the two texts' similarity twice (docs/linking.md). Such themes exist
    (the first label set's related pair 加强涉港跨境破产司法协作 / 破产制度突破创新 got judicial
    that way), and no link names one."""
    themes = build_result.themes
    carried = {(k, h.theme_id) for k, hits in themes.items() for h in hits if not h.own_terms}
    assert (("ndrc-sz-ccr-2023-b2", "14", None), "judicial-legal") in carried
    shared = [
        (x, term.removeprefix("theme:"))
        for x in links
        for term in x.evidence
        if term.startswith("theme:")
    ]
    assert shared
    for x, theme in shared:
        for end in (x.source_key, x.target_key):
            assert any(h.theme_id == theme and h.own_terms for h in themes[end]), (x, theme)
    pair = frozenset({("ccr-practices-undated", "33", None), ("ndrc-sz-ccr-2023-b2", "14", None)})
    assert [x.relation for x in links if {x.source_key, x.target_key} == pair] == ["related"]


def test_related_needs_more_than_topic_words(labels, blind_labels, links):
    """Issue #15's aims: at most 10 % of the hard negatives get any link, and `related` is right
    at least 80 % of the time on labelled pairs, on both label sets (the blind one has no hard
    negatives). Figures in docs/linking.md."""
    hit, negatives = eval_links.hard_negatives_linked(labels, links)
    assert negatives >= 30 and hit / negatives <= 0.10, (hit, negatives)
    for lab in (labels, blind_labels):
        strict, _, said = eval_links.related_precision(lab, links)
        assert said >= 10 and strict / said >= 0.8, (strict, said)
    unique = {"法院电子卷宗", "职务科技成果", "数字人民币"}
    related = [x for x in links if x.relation == "related"]
    assert related and all(
        any(len(t) >= linkmod.DISTINCT_MIN_CHARS and ":" not in t for t in x.evidence)
        for x in related
    )
    assert unique & {t for x in related for t in x.evidence}


def test_annotators_agreement_is_measured(labels, blind_labels):
    """Two readers do not agree perfectly on what is one reform: the blind annotators' counterparts
    against the first labels. The figure is the ceiling quoted in docs/linking.md."""
    agree = eval_links.agreement(labels, blind_labels)
    assert agree.tp + agree.fn == sum(1 for lab in labels if lab.label in eval_links.COUNTERPART)
    assert 0.8 <= agree.precision < 1.0 and 0.8 <= agree.recall < 1.0, agree


@pytest.mark.xfail(
    strict=True,
    reason="issue #4 aims at P>=0.9 and R>=0.85 for counterparts; the linker reaches about "
    "P 0.82 / R 0.82 on these labels, and two blind annotators agree with them at P 0.88 / "
    "R 0.88 (docs/linking.md); strict, so reaching the aim fails this marker",
)
def test_quality_meets_issue_aim(labels, links):
    counterpart = eval_links.score(labels, links, eval_links.COUNTERPART)
    assert counterpart.precision >= 0.9 and counterpart.recall >= 0.85


@pytest.mark.parametrize(
    "later, earlier, topic",
    [
        (("ccr-typical-2024", "8", None), ("sz-bizenv-2022-b1", "47", None), "知识产权证券化"),
        (("ndrc-sz-ccr-2023-b2", "5", None), ("sz-bizenv-2022-b1", "34", None), "混合利用"),
        (("qhsk-ftz-b6", "2", None), ("sz-bizenv-2022-b1", "167", None), "电子营业执照"),
        (("ccr-practices-undated", "31", None), ("ccr-typical-2024", "25", None), "航运全链条"),
    ],
)
def test_issue_examples_come_out(links, parsed_docs, later, earlier, topic):
    """The four examples of the issue are linked as counterparts, later -> earlier."""
    names = {
        (m.doc_id, m.number, m.part): m.name.clean + m.practice.clean
        for d in parsed_docs
        for m in d.measures
    }
    assert topic in names[later] and topic in names[earlier]
    found = [x for x in links if (x.source_key, x.target_key) == (later, earlier)]
    assert found and found[0].relation in {"same", "evolution"}, found


def test_direction_and_no_within_document_links(links, parsed_docs):
    order = doc_order(parsed_docs)
    assert links
    for x in links:
        assert x.source_key[0] != x.target_key[0]
        assert order[x.source_key[0]] > order[x.target_key[0]], x


def test_one_link_per_item_pair_and_well_formed(links):
    slots = [(x.source_key[:2], x.target_key[:2]) for x in links]
    assert len(slots) == len(set(slots))
    for x in links:
        assert x.relation in linkmod.RELATIONS
        assert 0 <= x.score <= 1 and round(x.score, 3) == x.score
        assert list(x.evidence) == sorted(set(x.evidence)) and x.evidence
        assert x.method == linkmod.METHOD
    assert links == sorted(
        links, key=lambda x: (linkmod.sort_key(x.source_key), linkmod.sort_key(x.target_key))
    )


_DIGEST = """
import hashlib, sys
from reformkg.graph.pipeline import stages
from reformkg.etl.documents import parse_all
from reformkg.etl.link import link_measures
from reformkg.settings import Settings
s = Settings.defaults()
docs = parse_all(s)
themes = stages.link_themes(stages.assign_themes(docs, s))
print(hashlib.sha256(repr(link_measures(docs, themes)).encode()).hexdigest())
"""


def test_deterministic_across_processes(links):
    """Same links, in the same order, in fresh processes with different hash seeds."""
    digests = set()
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out = subprocess.run(
            [sys.executable, "-c", _DIGEST],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        digests.add(out.stdout.strip().splitlines()[-1])
    assert digests == {hashlib.sha256(repr(links).encode()).hexdigest()}


def test_blocking_scores_few_pairs_at_scale(tmp_path):
    """Not an all-pairs loop: on a 5x synthetic corpus only a small share of the cross-document
    pairs is ever scored, and the planted evolutions are still found."""
    from dataclasses import replace

    from bench.generate import generate
    from reformkg.etl.documents import parse_all
    from reformkg.settings import Settings

    generate(tmp_path, 5, 11)
    docs = parse_all(replace(Settings.defaults(), data_dir=tmp_path))
    order = doc_order(docs)
    measures = [m for d in docs for m in d.measures]
    scored = linkmod.score_candidates(measures, [order[m.doc_id] for m in measures])
    n = len(measures)
    cross_pairs = (n * n - sum(len(d.measures) ** 2 for d in docs)) // 2
    assert len(scored.i) < 0.2 * cross_pairs
    planted = bench_link._planted(tmp_path)
    found = {
        frozenset((x.source_key, x.target_key))
        for x in link_measures(docs)
        if x.relation != "related"
    }
    assert len(planted & found) >= 0.9 * len(planted)


def test_link_triples_shape():
    x = Link(("b", "8", None), ("a", "7", 2), "evolution", 0.5, "m/v1", ("知识产权", "证券化"))
    triples = link_triples([x])
    source, target = measure_iri("b", "8"), measure_iri("a", "7", 2)
    node = link_iri(source, target)
    assert (source, RK.evolvesFrom, target) in triples
    assert (node, RK.linkScore, Literal(Decimal("0.500"), datatype=XSD.decimal)) in triples
    assert (node, RK.relation, RK.Evolution) in triples
    assert {o for s, p, o in triples if p == RK.evidenceTerm} == {
        Literal("知识产权", lang="zh-Hans"),
        Literal("证券化", lang="zh-Hans"),
    }
    assert str(node).endswith("/link/b/8/a/7-2")


def test_store_holds_every_link(store, links):
    """One rk:MeasureLink per link, and one direct property per link, in the real store."""
    rows = select(
        store,
        PREFIX
        + """
SELECT (COUNT(DISTINCT ?l) AS ?n) WHERE { ?l a rk:MeasureLink }""",
    )
    assert rows[0]["n"] == len(links)
    direct = select(
        store,
        PREFIX
        + """
SELECT (COUNT(*) AS ?n) WHERE {
  { ?a rk:evolvesFrom ?b } UNION { ?a rk:relatedTo ?b } UNION { ?a rk:sameReformAs ?b }
  FILTER EXISTS { ?l rk:linkSource ?a ; rk:linkTarget ?b }
}""",
    )
    assert direct[0]["n"] == len(links)


def test_evolves_from_plus_walks_the_mixed_use_chain(store):
    """evolvesFrom+ from 厦门's 2024 mixed-use land measure reaches the 2023 model and the 2022
    task (labelled evolutions in tests/data/link_pairs.csv)."""
    start = measure_iri("ccr-typical-2024", "1")
    rows = select(store, PREFIX + f"SELECT ?x WHERE {{ <{start}> rk:evolvesFrom+ ?x }}")
    reached = {r["x"] for r in rows}
    assert str(measure_iri("ndrc-sz-ccr-2023-b2", "5")) in reached
    assert str(measure_iri("sz-bizenv-2022-b1", "34")) in reached
    scores = select(
        store,
        PREFIX
        + f"""
SELECT ?score WHERE {{ ?l rk:linkSource <{start}> ; rk:linkScore ?score ;
  rk:linkTarget <{measure_iri("ndrc-sz-ccr-2023-b2", "5")}> }}""",
    )
    assert scores and scores[0]["score"] >= linkmod.LINK_THRESHOLD


def test_ngram_index_finds_runs_unique_to_a_pair_and_who_holds_a_term():
    from reformkg.etl.similarity import NgramIndex

    texts = ["开展知识产权证券化试点", "打造知识产权证券化品牌", "知识产权保护", "无关", "证券化"]
    # 产权证券 is in texts 0 and 1 only; 知识产权 is in three texts; 证券化 is three characters
    assert NgramIndex(texts).unique_pairs() == {(0, 1)}
    assert NgramIndex([*texts, "知识产权证券化"]).unique_pairs() == set()  # now in three texts
    assert NgramIndex(["ABCD 1234", "ABCD 1234"]).unique_pairs() == set()  # Chinese runs only
    index = NgramIndex(texts)
    assert index.holders("知识产权证券化") == {0, 1}
    assert index.holders("知识产权") == {0, 1, 2}
    assert index.holders("证券化") == {0, 1, 4}  # shorter than a run: every text is read
    assert index.holders("产权证券化特色") == set()
