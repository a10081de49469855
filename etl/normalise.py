"""Resolve what cells print to canonical entities: agencies, places, promotion scopes, deadlines.

Short local names are read in the document's jurisdiction (市市场监管局 in a Shenzhen list is
深圳市市场监督管理局); the alias table data/agencies.csv is the reviewable record of every
name the resolver knows. Names it does not know keep their (expanded) printed form and are
listed in the build report, so a reviewer can add them.

Names are looked up in simplified characters (reformkg.script): 市市場監管局 in a traditional
printing resolves to the same body as 市市场监管局, 廈門 is 厦门, and a name the tables do not
know becomes an entity named in simplified characters, so both printings name one entity. The
printed form stays on the record (AgencyRef.name_as_printed, the *_raw fields).
"""

from __future__ import annotations

import calendar
import csv
import re
from dataclasses import dataclass, replace
from pathlib import Path

from reformkg.etl.records import AgencyRef
from reformkg.etl.text import clean
from reformkg.script import to_simplified

LEVELS = ("national", "provincial", "city", "district", "collective")
QUALIFIERS = ("按职责分工负责", "按职责分工", "等单位", "分别负责")
_SPLIT = re.compile(r"[、，,；;/]|\s+")
_DEADLINE = re.compile(r"(\d{4})\s*年\s*(?:(\d{1,2})\s*月)?\s*(?:(\d{1,2})\s*日)?\s*(底|末)?")


@dataclass(frozen=True)
class Place:
    id: str
    name_zh: str
    name_en: str
    kind: str
    within: str
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class AgencyEntry:
    canonical: str
    level: str
    aliases: tuple[str, ...]
    parent: str


@dataclass
class Resolver:
    """Lookup tables for one build, loaded once from the data folder."""

    places: dict[str, Place]
    place_names: dict[str, str]
    agencies: dict[str, AgencyEntry]
    agency_names: dict[str, str]
    scopes: dict[str, tuple[str, str]]  # alias or canonical -> (canonical, English)

    def city_of(self, place_id: str) -> Place | None:
        place = self.places.get(place_id)
        while place and place.kind not in {"city", "province", "country"}:
            place = self.places.get(place.within)
        return place


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def load_resolver(data_dir: Path) -> Resolver:
    places = {
        r["id"]: Place(
            r["id"],
            r["name_zh"],
            r["name_en"],
            r["kind"],
            r["within"],
            tuple(a for a in r["aliases"].split("|") if a),
        )
        for r in _rows(data_dir / "places.csv")
    }
    place_names = {}
    for p in places.values():
        for name in (p.name_zh, *p.aliases):
            place_names[to_simplified(name)] = p.id
    agencies, agency_names = {}, {}
    for r in _rows(data_dir / "agencies.csv"):
        if r["level"] not in LEVELS:
            raise ValueError(f"data/agencies.csv: level {r['level']!r} of {r['canonical']}")
        entry = AgencyEntry(
            r["canonical"], r["level"], tuple(a for a in r["aliases"].split("|") if a), r["parent"]
        )
        agencies[entry.canonical] = entry
        for name in (entry.canonical, *entry.aliases):
            agency_names[to_simplified(name)] = entry.canonical
    scopes = {}
    for r in _rows(data_dir / "scopes.csv"):
        for name in (r["canonical"], *[a for a in r["aliases"].split("|") if a]):
            scopes[to_simplified(name)] = (r["canonical"], r["name_en"])
    return Resolver(places, place_names, agencies, agency_names, scopes)


def _guess_level(name: str, city: str) -> str:
    if name.startswith("各") or "有关单位" in name or name.startswith("市直"):
        return "collective"
    if name.startswith(("国家", "中国", "中华人民共和国", "国务院")) or name.endswith("部"):
        return "national"
    if name.startswith(("广东省", "福建省", "省")):
        return "provincial"
    if re.search(r"(区政府|区人民政府|区委)$", name) or re.match(rf"^{city}?\w{{1,4}}区", name):
        return "district"
    return "city"


def resolve_agency(printed: str, jurisdiction: str, resolver: Resolver) -> AgencyRef | None:
    """One body as printed (in either script) → its canonical name and level; None for an
    empty cell."""
    name = to_simplified(clean(printed))
    note = ""
    for qualifier in QUALIFIERS:
        if name.endswith(qualifier) and len(name) > len(qualifier):
            name, note = name[: -len(qualifier)], qualifier
    if not name:
        return None
    city = resolver.city_of(jurisdiction)
    city_name = city.name_zh if city else ""
    if _guess_level(name, city_name) == "collective":
        # 各区政府, 各有关单位, 市直有关单位: collective entries are entities of their own kind
        return AgencyRef(printed.strip(), name, "collective", note)
    expanded = ""
    if city_name and name.startswith("市") and not name.startswith("市直"):
        expanded = city_name + name[1:]  # 市市场监管局 → 深圳市市场监管局
    elif city_name and re.match(r"^\w{1,4}区政府$", name):
        expanded = city_name + name.replace("区政府", "区人民政府")
    city_stem = city_name.removesuffix("市")
    for candidate in filter(None, (expanded, name)):
        canonical = resolver.agency_names.get(candidate)
        # a bare 市… alias (市市场监管局) names a body of the city whose lists print it:
        # in another city's list it is that city's body, not Shenzhen's
        if canonical and not (candidate == name and expanded and city_stem not in canonical):
            return AgencyRef(printed.strip(), canonical, resolver.agencies[canonical].level, note)
    canonical = expanded or name
    return AgencyRef(printed.strip(), canonical, _guess_level(canonical, city_name), note)


def split_agencies(cell: str, jurisdiction: str, resolver: Resolver) -> tuple[AgencyRef, ...]:
    """A 牵头单位 / 责任单位 cell → its bodies, in printed order, without duplicates."""
    text = clean(cell)  # as printed; recognised in simplified characters, cut at the same place
    simple = to_simplified(text)
    # "A、B、C按职责分工负责": the qualifier closes the list and applies to every body in it
    shared_note = next((q for q in QUALIFIERS if simple.endswith(q) and len(text) > len(q)), "")
    text = text[: len(text) - len(shared_note)]
    parts: list[str] = []
    for chunk in _SPLIT.split(text):
        # 市城管和综合执法局等各有关单位: a named body, then a collective entry
        m = re.match(r"^(.+?)等(各.+)$", to_simplified(chunk))
        parts.extend([chunk[: m.end(1)], chunk[m.start(2) :]] if m else [chunk])
    refs: list[AgencyRef] = []
    for part in parts:
        ref = resolve_agency(part, jurisdiction, resolver)
        if ref and shared_note and not ref.note:
            ref = replace(ref, note=shared_note)
        if ref and ref.canonical not in {r.canonical for r in refs}:
            refs.append(ref)
    return tuple(refs)


def resolve_places(
    cell: str, jurisdiction: str, resolver: Resolver
) -> tuple[tuple[str, ...], list[str]]:
    """来源 cell → place ids (unknown names returned separately); an empty cell names no place
    (the document's jurisdiction is not a printed pilot place: rk:jurisdiction carries it)."""
    text = clean(cell)
    if not text:
        return (), []
    ids: list[str] = []
    unknown: list[str] = []
    for name in (n for n in _SPLIT.split(text) if n):
        place = resolver.place_names.get(to_simplified(name))
        (ids if place else unknown).append(place or name)
    return tuple(dict.fromkeys(ids)), unknown


def resolve_scope(cell: str, resolver: Resolver) -> tuple[str, ...]:
    """推广范围 cell → canonical scopes (a scope the table does not know: its simplified form)."""
    text = to_simplified(clean(cell))
    if not text:
        return ()
    return tuple(dict.fromkeys(resolver.scopes.get(p, (p, ""))[0] for p in _SPLIT.split(text) if p))


def deadline_date(text: str) -> str | None:
    """2022年6月底 → 2022-06-30 (the last day of the stated period; 2022年底 → 2022-12-31), in
    either script."""
    return deadline(text)[0]


def deadline(text: str) -> tuple[str | None, str | None]:
    """A printed deadline → (the last day of its period, its precision: day, month or year).

    2022年6月底 → ("2022-06-30", "month"); 2022年底 → ("2022-12-31", "year"); 2022年6月15日 →
    ("2022-06-15", "day"); 已落地，持续巩固提升 → (None, None). The date sorts and compares; the
    precision says how much of it was printed (docs/data-model.md).
    """
    m = _DEADLINE.search(to_simplified(clean(text)))  # either script
    if not m:
        return None, None
    year = int(m.group(1))
    month = int(m.group(2) or 12)
    if not 1 <= month <= 12:
        return None, None
    last = calendar.monthrange(year, month)[1]
    if m.group(2) and m.group(3):
        day = int(m.group(3))
        if not 1 <= day <= last:
            return None, None
        return f"{year:04d}-{month:02d}-{day:02d}", "day"
    return f"{year:04d}-{month:02d}-{last:02d}", "month" if m.group(2) else "year"
