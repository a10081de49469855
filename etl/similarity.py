"""Chinese-aware text features and sparse TF-IDF similarity for cross-batch linking.

Why these features: the documents restate a reform in different words ("开展知识产权证券化试点"
becomes "打造知识产权证券化特色品牌"), so whole-word matching misses too much and embeddings are
not available offline. Character bigrams inside runs of Chinese characters catch shared stems
without a dictionary; jieba words of the (short) names add dictionary-backed terms. Latin
tokens (BIM, CCC, LNG, RCEP) are kept whole. A name is first reduced to its core: the leading
verbs (推进, 建立, 探索 …) and trailing kind-words (机制, 制度, 模式 …) say what kind of act a
measure is, not which reform, and they made unrelated names look alike.

Why sparse matrices and blocking: the similarity of all pairs that share an informative
feature is the sparse product `X @ X.T`, an inverted-index join done in C by scipy. Features
carried by a large share of measures (boilerplate) are dropped from the vectors; candidate
pairs are found on the rarer features only (a posting list of at most BLOCK_MAX_DF measures),
block of rows by block of rows, so memory holds one block of the product at a time and the
cost grows with the postings of rare features, not with N². Candidates are then scored
exactly on all their features.
"""

from __future__ import annotations

import logging
import math
import operator
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from scipy import sparse

from reformkg.etl import jieba_cache

_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+")
_LATIN = re.compile(r"[A-Za-z][A-Za-z0-9+\-]*[A-Za-z0-9+]|[A-Za-z]")


def _listed(text: str) -> tuple[str, ...]:
    """A word list written one space-separated block per line (easier to review than quotes)."""
    return tuple(text.split())


# Leading verbs and trailing kind-words of measure names (checked against all five documents).
NAME_VERBS = _listed(
    """进一步 推进 推动 推行 推广 实行 实施 开展 建立 建设 健全 完善 构建 打造 创新 探索 深化 优化
    强化 加强 加快 提升 试点 试行 全面 率先 大力 有序 逐步 积极 发布 开通 上线 创设 制定 扩大 拓展
    拓宽 便利 支持 落实 和 及"""
)
NAME_KINDS = _listed(
    """新机制 新模式 机制 制度 模式 体系 改革 试点 工作 举措 措施 建设 服务 平台
    管理 规则"""
)

# Words that name the kind of act rather than the reform: never shown as evidence.
GENERIC_WORDS = frozenset(
    _listed(
        """推进 推动 推行 推广 实行 实施 开展 建立 建设 健全 完善 构建 打造 创新 探索 深化 优化 强化
    加强 加快 提升 提高 促进 支持 鼓励 试点 机制 制度 体系 模式 平台 服务 管理 工作 改革 举措
    进一步 相关 有关 全面 率先 形成 实现 通过 依托 围绕 基础 方面 领域 范围 一批 各类 主要
    发展 问题 提供 开放 深圳 深圳市 厦门 厦门市 浦东 浦东新区 上海 企业 部门 政府 单位 事项
    机构 全市 全国 国家 地方 重点 行业 市场 主体 经营 信息 数据 系统 标准 规范 要求 办理 业务
    流程 综合 统一 功能 应用 进行 开发 制定 出台 明确 同时 实时 及时 有效 推出 保障
    服务平台"""
    )
)


class _Tokenizer(Protocol):
    """What linking uses of a jieba.Tokenizer (jieba has no type information)."""

    def lcut(self, sentence: str, *, HMM: bool = ...) -> list[str]: ...


@lru_cache(maxsize=1)
def _jieba() -> _Tokenizer:
    """A private jieba tokenizer: words another module adds to jieba's global dictionary
    (jieba.add_word) must not change the links, so linking never uses the shared one. Its
    dictionary is read at the first cut of a text not cut before, once per process: from the
    cache folder `use_cache` named when there is one."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer: Any = jieba.Tokenizer()
    if _cache.folder is not None:
        jieba_version = _jieba_version()
        path = jieba_cache.dictionary_file(_cache.folder, jieba_version)
        read = jieba_cache.read_dictionary(path, jieba_version)
        if read is None:
            freq, total = tokenizer.gen_pfdict(tokenizer.get_dict_file())
            with suppress(OSError):  # unwritable: the next build makes it again
                jieba_cache.write_dictionary(path, freq, total, jieba_version)
            read = freq, total
        tokenizer.FREQ, tokenizer.total = read
        tokenizer.initialized = True
    typed: _Tokenizer = tokenizer
    return typed


@lru_cache(maxsize=1)
def _jieba_version() -> str:
    from importlib.metadata import version

    return version("jieba")


@dataclass
class _Cache:
    """Where jieba's dictionary and cuts are kept between builds, and this process's cuts."""

    folder: Path | None = None
    cuts: jieba_cache.Cuts = field(default_factory=dict)  # every text this process cut
    kept: jieba_cache.Cuts = field(default_factory=dict)  # read from the folder's file


_cache = _Cache()


def use_cache(folder: Path | None) -> None:
    """Keep jieba's dictionary and the texts cut in `folder` (see reformkg.etl.jieba_cache),
    and read the cuts kept there.

    Building jieba's prefix dictionary from its word list takes about a second; read back from
    the folder, 0.16 s; a build whose texts were all cut before reads neither it nor jieba.
    The folder, rather than the system's temporary one (which another user may own or a reboot
    empty), is beside the build's (graph/pipeline/stages.py). Without a folder jieba builds the
    dictionary itself (and keeps its own cache where it always does)."""
    _cache.folder = folder
    if folder is not None:
        path = jieba_cache.cuts_file(folder, _jieba_version())
        _cache.kept = jieba_cache.read_cuts(path, _jieba_version()) or {}


def keep_cuts() -> None:
    """Write every text this process cut, with its words, to the cache folder (when there is
    one) for the next build; a folder that cannot be written only costs the next build time."""
    if _cache.folder is None or _cache.cuts == _cache.kept:
        return
    path = jieba_cache.cuts_file(_cache.folder, _jieba_version())
    try:
        jieba_cache.write_cuts(path, _cache.cuts, _jieba_version())
    except OSError:
        return
    _cache.kept = dict(_cache.cuts)


def cut(text: str) -> tuple[str, ...]:
    """jieba's words of `text` (dictionary only, no HMM), cut once per process and kept
    between builds (`use_cache`): linking cuts the same practice texts and phrases again for
    every pair that shares them."""
    done = _cache.cuts.get(text)
    if done is None:
        done = _cache.kept.get(text)
        if done is None:
            done = tuple(_jieba().lcut(text, HMM=False))
        _cache.cuts[text] = done
    return done


@lru_cache(maxsize=200_000)
def words(text: str) -> tuple[str, ...]:
    """jieba words of two or more characters (and Latin tokens), in order; cached per text."""
    out: list[str] = []
    for run in _CJK_RUN.findall(text):
        out.extend(w for w in cut(run) if len(w) >= 2)
    out.extend(t.upper() for t in _LATIN.findall(text))
    return tuple(out)


@lru_cache(maxsize=200_000)
def name_core(name: str) -> str:
    """The name without its leading verbs and trailing kind-words, quotes and spaces.

    >>> name_core("开展知识产权证券化试点")
    '知识产权证券化'
    >>> name_core("推广民生诉求“一网统管”模式")
    '民生诉求一网统管'
    """
    core = re.sub(r"[\s“”\"'‘’「」《》（）()、，,：:]", "", name)
    changed = True
    while changed:
        changed = False
        for verb in NAME_VERBS:
            if core.startswith(verb) and len(core) - len(verb) >= 3:
                core, changed = core[len(verb) :], True
        for kind in NAME_KINDS:
            if core.endswith(kind) and len(core) - len(kind) >= 3:
                core, changed = core[: -len(kind)], True
    return core


def bigrams(text: str) -> list[str]:
    """Character bigrams within runs of Chinese characters, plus whole Latin tokens."""
    out: list[str] = []
    for run in _CJK_RUN.findall(text):
        out.extend(map(operator.add, run, run[1:]))  # run[i] + run[i + 1], without slicing
    out.extend(t.upper() for t in _LATIN.findall(text))
    return out


def name_features(name: str) -> Counter[str]:
    """Bigrams and jieba words of a name's core; words prefixed so the two never collide."""
    core = name_core(name)
    feats = Counter(bigrams(core))
    feats.update("w:" + w for w in words(core))
    return feats


def body_features(text: str) -> Counter[str]:
    return Counter(bigrams(text))


def tfidf_matrix(
    rows: Sequence[Counter[str]], max_df_ratio: float, singletons_in_norm: bool = False
) -> tuple[sparse.csr_matrix, np.ndarray, dict[str, float]]:
    """L2-normalised sublinear TF-IDF rows; features of one row only or above the ratio dropped.

    A feature of one row only can match nothing, so it never gets a column. With
    `singletons_in_norm` it still counts in its row's norm, as content the other row lacks:
    for names, where such a word is usually the head noun that tells two reforms apart —
    without it 互联网+中医 and 互联网医院监管 reduce to their one shared word and look identical
    (cosine 1.0; 0.43 with it). Practice texts are left without: there a word of one measure
    is mostly incidental wording (a figure, a local name), and restated texts are reworded.
    Boilerplate above the ratio counts nowhere (a stop feature).

    Returns the matrix, the document frequency of each column, and the IDF of every kept feature
    (for ranking evidence).
    """
    n = len(rows)
    df: Counter[str] = Counter()
    for feats in rows:
        df.update(feats.keys())
    cap = max(2, int(max_df_ratio * n))
    kept = sorted(f for f, d in df.items() if 2 <= d <= cap)
    index = {f: i for i, f in enumerate(kept)}
    idf = {f: math.log(n / df[f]) + 1.0 for f in kept}
    single_idf = math.log(n) + 1.0
    indptr = [0]
    indices: list[int] = []
    data: list[float] = []
    for feats in rows:
        cols = sorted(
            (index[f], (1.0 + math.log(c)) * idf[f]) for f, c in feats.items() if f in index
        )
        unmatched = (
            sum(((1.0 + math.log(c)) * single_idf) ** 2 for f, c in feats.items() if df[f] == 1)
            if singletons_in_norm
            else 0.0
        )
        norm = math.sqrt(sum(v * v for _, v in cols) + unmatched) or 1.0
        indices.extend(c for c, _ in cols)
        data.extend(v / norm for _, v in cols)
        indptr.append(len(indices))
    matrix = sparse.csr_matrix(
        (
            np.asarray(data, dtype=np.float32),
            np.asarray(indices, dtype=np.int32),
            np.asarray(indptr, dtype=np.int64),
        ),
        shape=(n, len(kept)),
    )
    return matrix, np.asarray([df[f] for f in kept], dtype=np.int64), idf


class NgramIndex:
    """Every run of `n` Chinese characters of every text, as 64-bit codes sorted with the texts
    holding them (one entry per code and text), built vectorised over all texts at once.

    It answers two questions of the linker cheaply at 100x: which pairs of texts share a run no
    other text has (`unique_pairs`), and which texts contain a term (`holders`: the texts that
    hold every run of the term, then checked by substring, so the answer is exact).
    """

    def __init__(self, texts: Sequence[str], n: int = 4) -> None:
        if not 2 <= n <= 4:
            raise ValueError("runs of 2 to 4 characters fit a 64-bit code")
        self.texts, self.n = list(texts), n
        joined = "\0".join(self.texts) + "\0"
        raw = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32)
        row = np.concatenate([[0], np.cumsum(raw == 0)[:-1]])  # the text of each position
        size = max(len(raw) - n + 1, 0)
        codes = np.zeros(size, dtype=np.uint64)
        valid = np.ones(size, dtype=bool)
        for k in range(n):
            part = raw[k : k + size]
            codes = (codes << np.uint64(16)) | part.astype(np.uint64)
            valid &= _is_cjk(part)
        codes, rows = codes[valid], row[:size][valid]
        order = np.argsort(codes, kind="stable")  # texts stay in order within one code
        codes, rows = codes[order], rows[order]
        first = np.ones(len(codes), dtype=bool)
        first[1:] = (codes[1:] != codes[:-1]) | (rows[1:] != rows[:-1])
        self.codes, self.rows = codes[first], rows[first]

    def unique_pairs(self) -> set[tuple[int, int]]:
        """The pairs of texts (i < j) that share a run no other text has."""
        starts = np.flatnonzero(np.r_[True, self.codes[1:] != self.codes[:-1]])
        counts = np.diff(np.r_[starts, len(self.codes)])
        twice = starts[counts == 2]
        a, b = self.rows[twice].tolist(), self.rows[twice + 1].tolist()
        return {(min(x, y), max(x, y)) for x, y in zip(a, b, strict=True)}

    def holders(self, term: str) -> set[int]:
        """The texts containing `term` (exact)."""
        runs = [r for r in _CJK_RUN.findall(term) if len(r) >= self.n]
        found: set[int] | None = None
        for run in runs:
            for i in range(len(run) - self.n + 1):
                code = 0
                for ch in run[i : i + self.n]:
                    code = (code << 16) | ord(ch)
                lo, hi = (
                    np.searchsorted(self.codes, np.uint64(code), side="left"),
                    np.searchsorted(self.codes, np.uint64(code), side="right"),
                )
                rows = set(self.rows[lo:hi].tolist())
                found = rows if found is None else found & rows
                if not found:
                    return set()
        candidates = range(len(self.texts)) if found is None else sorted(found)
        return {r for r in candidates if term in self.texts[r]}


def _is_cjk(points: np.ndarray) -> np.ndarray:
    """Whether each code point is a Chinese character (the ranges _CJK_RUN matches)."""
    return ((points >= 0x3400) & (points <= 0x4DBF)) | ((points >= 0x4E00) & (points <= 0x9FFF))


def candidate_pairs(
    blocking: sparse.csr_matrix, groups: Sequence[int], min_partial: float, block: int = 2048
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Index arrays (I, J), I < J, of rows in different groups whose blocking product is high.

    `blocking` holds only the rare features, so its product is a partial (lower-bound) score;
    pairs with a partial score of at least `min_partial` are candidates for exact scoring.
    """
    group = np.asarray(groups, dtype=np.int64)
    transposed = blocking.T.tocsr()
    for start in range(0, blocking.shape[0], block):
        stop = min(start + block, blocking.shape[0])
        product = (blocking[start:stop] @ transposed).tocoo()
        rows = product.row.astype(np.int64) + start
        cols = product.col.astype(np.int64)
        keep = (cols > rows) & (group[rows] != group[cols]) & (product.data >= min_partial)
        yield rows[keep], cols[keep]


def rowwise_dot(
    matrix: sparse.csr_matrix, rows: np.ndarray, cols: np.ndarray, chunk: int = 100_000
) -> np.ndarray:
    """matrix[rows[k]] · matrix[cols[k]] for every k (cosines of unit rows), chunked for memory."""
    out = np.empty(len(rows), dtype=np.float64)
    for start in range(0, len(rows), chunk):
        a = matrix[rows[start : start + chunk]]
        b = matrix[cols[start : start + chunk]]
        out[start : start + chunk] = np.asarray(a.multiply(b).sum(axis=1)).ravel()
    return out


def shared_phrases(
    later: str, earlier: str, limit: int = 6, max_len: int = 12, min_len: int = 3
) -> list[str]:
    """Phrases of the later text that also occur in the earlier text (readable evidence).

    The later text is cut into jieba words; consecutive words that occur in the earlier text are
    joined while the joined phrase still occurs there, so a phrase never ends in the middle of a
    word. Generic words and single characters (和, 的) at either end are trimmed (建设海外 →
    海外), phrases shorter than `min_len` dropped, and a phrase longer than `max_len`
    characters (a copied clause) is given as its words of four or more characters instead.
    """
    found: set[str] = set()

    def keep(phrase: str) -> None:
        if len(phrase) < min_len:  # trimming only shortens it: nothing to keep (no cut needed)
            return
        if len(phrase) > max_len:
            found.update(w for w in words(phrase) if len(w) >= 4 and w not in GENERIC_WORDS)
            return
        parts = list(cut(phrase))
        while parts and (parts[0] in GENERIC_WORDS or len(parts[0]) == 1):  # 建设海外 -> 海外
            parts = parts[1:]
        while parts and (parts[-1] in GENERIC_WORDS or len(parts[-1]) == 1):  # 和, 的, 等
            parts = parts[:-1]
        phrase = "".join(parts)
        if len(phrase) >= min_len and phrase not in GENERIC_WORDS:
            found.add(phrase)

    for run in _CJK_RUN.findall(later):
        phrase = ""
        for token in [*cut(run), ""]:
            if token and (phrase + token) in earlier:
                phrase += token
                continue
            keep(phrase)
            phrase = token if token and token in earlier else ""
    # a phrase inside a longer one found is no extra evidence
    kept = {p for p in found if not any(p != q and p in q for q in found)}
    return sorted(kept, key=lambda p: (-len(p), p))[:limit]
