"""Chinese-aware text features and sparse TF-IDF similarity for cross-batch linking.

Why these features: the documents restate a reform in different words ("开展知识产权证券化试点"
becomes "打造知识产权证券化特色品牌"), so whole-word matching misses too much and embeddings are
not available offline. Character bigrams inside runs of Chinese characters catch shared stems
without a dictionary; jieba words on the (short) names add readable, dictionary-backed terms
that double as evidence. Latin tokens (BIM, CCC, LNG, RCEP) are kept whole.

Why sparse matrices: the similarity of every pair that shares at least one informative feature
is one sparse product `X @ X.T`, which scipy computes as an inverted-index join in C. Features
carried by a large share of the measures (boilerplate such as 推进, 机制, 服务) are dropped before
the product, so its cost grows with the size of the rare-feature postings, not with N².
"""

from __future__ import annotations

import logging
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import lru_cache

import numpy as np
from scipy import sparse

_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+")
_LATIN = re.compile(r"[A-Za-z][A-Za-z0-9+\-]*[A-Za-z0-9+]|[A-Za-z]")

# Words that name the kind of act rather than the reform: never shown as evidence.
GENERIC_WORDS = frozenset(
    """推进 推动 推行 推广 实行 实施 开展 建立 建设 健全 完善 构建 打造 创新 探索 深化 优化 强化
    加强 加快 提升 提高 促进 支持 鼓励 试点 机制 制度 体系 模式 平台 服务 管理 工作 改革 举措
    进一步 相关 有关 全面 率先 新 形成 实现 通过 依托 围绕 基础 方面 领域 范围 一批 各类 主要
    发展 问题 提供 开放 深圳 深圳市 厦门 厦门市 浦东 浦东新区 上海 企业 部门 政府 单位 事项
    机构 全市 全国 国家 地方 重点 行业 市场 主体 经营 信息 数据 系统 标准 规范 要求 办理 业务""".split()
)


def _jieba():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    return jieba


@lru_cache(maxsize=200_000)
def words(text: str) -> tuple[str, ...]:
    """jieba words of two or more characters (and Latin tokens), in order; cached per text."""
    out = []
    for run in _CJK_RUN.findall(text):
        out.extend(w for w in _jieba().lcut(run, HMM=False) if len(w) >= 2)
    out.extend(t.upper() for t in _LATIN.findall(text))
    return tuple(out)


def bigrams(text: str) -> list[str]:
    """Character bigrams within runs of Chinese characters, plus whole Latin tokens."""
    out = []
    for run in _CJK_RUN.findall(text):
        out.extend(run[i : i + 2] for i in range(len(run) - 1))
    out.extend(t.upper() for t in _LATIN.findall(text))
    return out


def name_features(name: str) -> Counter[str]:
    """Bigrams and jieba words of a measure's name; words prefixed so the two never collide."""
    feats = Counter(bigrams(name))
    feats.update("w:" + w for w in words(name))
    return feats


def body_features(text: str) -> Counter[str]:
    return Counter(bigrams(text))


def tfidf_matrix(
    rows: Sequence[Counter[str]], max_df_ratio: float
) -> tuple[sparse.csr_matrix, dict[str, float]]:
    """L2-normalised sublinear TF-IDF rows; features in one row only or above `max_df_ratio` dropped.

    Returns the matrix and the IDF of every kept feature (for ranking evidence).
    """
    n = len(rows)
    df: Counter[str] = Counter()
    for feats in rows:
        df.update(feats.keys())
    cap = max(2, int(max_df_ratio * n))
    kept = sorted(f for f, d in df.items() if 2 <= d <= cap)
    index = {f: i for i, f in enumerate(kept)}
    idf = {f: math.log(n / df[f]) + 1.0 for f in kept}
    indptr, indices, data = [0], [], []
    for feats in rows:
        cols = sorted((index[f], (1.0 + math.log(c)) * idf[f]) for f, c in feats.items() if f in index)
        norm = math.sqrt(sum(v * v for _, v in cols)) or 1.0
        indices.extend(c for c, _ in cols)
        data.extend(v / norm for _, v in cols)
        indptr.append(len(indices))
    matrix = sparse.csr_matrix(
        (np.asarray(data, dtype=np.float32), np.asarray(indices, dtype=np.int32),
         np.asarray(indptr, dtype=np.int64)),
        shape=(n, len(kept)),
    )
    return matrix, idf


def similar_pairs(
    matrix: sparse.csr_matrix, groups: Sequence[int], min_score: float, block: int = 1024
) -> Iterable[tuple[int, int, float]]:
    """(i, j, cosine) for i < j in different groups with cosine >= min_score.

    Rows are processed in blocks so that memory holds one block of the product at a time.
    """
    group = np.asarray(groups, dtype=np.int64)
    transposed = matrix.T.tocsc()
    for start in range(0, matrix.shape[0], block):
        stop = min(start + block, matrix.shape[0])
        product = (matrix[start:stop] @ transposed).tocoo()
        rows = product.row.astype(np.int64) + start
        cols = product.col.astype(np.int64)
        keep = (cols > rows) & (group[rows] != group[cols]) & (product.data >= min_score)
        yield from zip(rows[keep].tolist(), cols[keep].tolist(),
                       product.data[keep].astype(float).tolist(), strict=True)
