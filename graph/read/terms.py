"""Serve time: the words the product shows for its fields, roles, levels and statuses.

One table, Chinese first in the documents' own terms (牵头单位, 责任单位, 完成时限 …) with the
English alongside, read by the pages, the views, the named questions' forms and the CSV
exports, so a column is called the same wherever an analyst meets it.

>>> label("lead_agencies")
'牵头单位'
>>> label("lead_agencies", "en")
'Lead agencies'
>>> ROLES["lead"]
('牵头', 'lead')
"""

from __future__ import annotations

__all__ = ["COLUMNS", "FIELDS", "KINDS", "LEVELS", "ROLES", "column", "label"]

#: Field key → (Chinese, English).
FIELDS: dict[str, tuple[str, str]] = {
    "iri": ("IRI", "IRI"),
    "document": ("文件", "Document"),
    "document_title": ("文件标题", "Document title"),
    "batch": ("批次", "Batch"),
    "date": ("日期", "Date"),
    "seq": ("序号", "Number"),
    "number": ("序号", "Number"),
    "part": ("任务", "Task"),
    "starred": ("星标", "Starred"),
    "name": ("改革事项", "Measure"),
    "name_raw": ("改革事项（原文）", "Measure as printed"),
    "section": ("章节", "Section"),
    "places": ("来源", "Source places"),
    "lead_agencies": ("牵头单位", "Lead agencies"),
    "lead_agencies_raw": ("牵头单位（原文）", "Lead agencies as printed"),
    "responsible_agencies": ("责任单位", "Responsible agencies"),
    "responsible_agencies_raw": ("责任单位（原文）", "Responsible agencies as printed"),
    "scope": ("推广范围", "Scope of promotion"),
    "deadline": ("完成时限", "Deadline"),
    "deadline_date": ("完成时限（日期）", "Deadline date"),
    "status": ("状态", "Status"),
    "practices": ("主要内容/创新做法", "Practice"),
    "effect": ("实施效果", "Effect"),
    "themes": ("主题", "Themes"),
    "source_file": ("来源文件", "Source file"),
    "line_start": ("起始行", "First line"),
    "line_end": ("结束行", "Last line"),
    "role": ("角色", "Role"),
    "agency": ("单位", "Agency"),
    "aliases": ("别名", "Aliases"),
    "level": ("级别", "Level"),
    "lead_count": ("牵头数", "Measures led"),
    "responsible_count": ("责任数", "Measures co-responsible"),
    "total": ("合计", "Total"),
    "kind": ("类型", "Kind"),
    "snippet": ("匹配片段", "Matching text"),
    "score": ("相关度", "Score"),
}

#: Role key → (Chinese, English): 牵头 = lead agency, 责任 = co-responsible agency.
ROLES: dict[str, tuple[str, str]] = {
    "lead": ("牵头", "lead"),
    "responsible": ("责任", "responsible"),
}

#: Result kinds → (Chinese, English).
KINDS: dict[str, tuple[str, str]] = {
    "measure": ("改革事项", "measure"),
    "item": ("改革条目", "item"),
    "agency": ("单位", "agency"),
    "theme": ("主题", "theme"),
    "document": ("文件", "document"),
    "section": ("章节", "section"),
    "place": ("地点", "place"),
    "scope": ("推广范围", "scope"),
}
#: Agency level short name → (Chinese, English).
LEVELS: dict[str, tuple[str, str]] = {
    "national": ("国家级", "national"),
    "provincial": ("省级", "provincial"),
    "city": ("市级", "city"),
    "district": ("区级", "district"),
    "collective": ("集体", "collective"),
    "unknown": ("未知", "unknown"),
}


#: Fields whose heading differs in a table of another kind than measures.
OTHER_TABLES: dict[str, dict[str, tuple[str, str]]] = {
    "agencies": {"name": ("单位", "Agency")},
    "links": {
        "source": ("较晚举措", "Later measure"),
        "target": ("较早举措", "Earlier measure"),
        "relation": ("关系", "Relation"),
        "evidence": ("依据", "Evidence"),
        "status": ("审核状态", "Review status"),
    },
    "lineages": {
        "lineage": ("改革沿革", "Lineage"),
        "lineage_label": ("沿革名称", "Lineage name"),
        "versions": ("版本数", "Versions"),
        "position": ("版本序号", "Version"),
        "measure": ("改革事项 IRI", "Measure IRI"),
        "document_short_title": ("文件简称", "Document short title"),
    },
    "workload": {
        "dimension": ("维度", "Breakdown"),
        "key": ("取值", "Value"),
        "label": ("单位名称", "Agency name"),
        "collective": ("集体", "Collective"),
        "led": ("牵头", "Led"),
        "responsible": ("责任", "Co-responsible"),
    },
}


def label(key: str, lang: str = "zh", table: str = "measures") -> str:
    """The heading of a field of `table` in `lang` (``zh`` or ``en``); the key when unknown."""
    zh, en = OTHER_TABLES.get(table, {}).get(key) or FIELDS.get(key, (key, key))
    return en if lang == "en" else zh


#: Column (SPARQL variable) of the named questions → (Chinese, English).
COLUMNS: dict[str, tuple[str, str]] = {
    "measure": ("改革事项", "measure"),
    "label": ("名称", "name"),
    "doc": ("文件", "document"),
    "deadline": ("完成时限（日期）", "deadline date"),
    "deadlineText": ("完成时限", "deadline"),
    "leads": ("牵头单位", "lead agencies"),
    "agency": ("单位", "agency"),
    "agencyLabel": ("单位名称", "agency name"),
    "agencyA": ("单位甲", "agency A"),
    "labelA": ("单位甲名称", "agency A name"),
    "agencyB": ("单位乙", "agency B"),
    "labelB": ("单位乙名称", "agency B name"),
    "shared": ("共同举措数", "measures shared"),
    "asLead": ("牵头数", "as lead"),
    "asResponsible": ("责任数", "as responsible"),
    "measures": ("举措数", "measures"),
    "role": ("角色", "role"),
    "month": ("月份", "month"),
    "theme": ("主题", "theme"),
    "themeLabel": ("主题名称", "theme name"),
    "names": ("举措名称", "measure names"),
    "scope": ("推广范围", "scope"),
    "sourcePlace": ("来源", "source place"),
    "assigned": ("所属主题", "assigned theme"),
    "place": ("来源", "place"),
    "source": ("较晚举措", "later measure"),
    "sourceLabel": ("较晚举措名称", "later measure name"),
    "target": ("较早举措", "earlier measure"),
    "targetLabel": ("较早举措名称", "earlier measure name"),
    "relation": ("关系", "relation"),
    "score": ("相关度", "score"),
    "evidence": ("依据", "evidence"),
    "earlier": ("较早举措", "earlier measure"),
    "earlierLabel": ("较早举措名称", "earlier measure name"),
    "earlierDoc": ("较早文件", "earlier document"),
    "steps": ("步数", "steps"),
    "title": ("标题", "title"),
    "batchOrder": ("批次", "batch"),
    "issued": ("日期", "date"),
    "dateStatus": ("日期状态", "date status"),
    "dateEvidence": ("日期依据", "date evidence"),
    "documentNumber": ("文号", "document number"),
    "best": ("最佳命中", "best match"),
    "fields": ("命中字段", "fields"),
    "leadRaw": ("牵头单位（原文）", "lead as printed"),
    "reform": ("改革沿革", "lineage"),
    "versions": ("版本数", "versions"),
    "firstBatch": ("首批", "first batch"),
    "lastBatch": ("末批", "last batch"),
    "version": ("版本", "version"),
    "versionLabel": ("版本名称", "version name"),
    "batch": ("批次", "batch"),
    "date": ("日期", "date"),
}


def column(name: str) -> tuple[str, str]:
    """A named question's column as (Chinese, English); the variable name when unknown."""
    return COLUMNS.get(name, (name, name))
