"""How well the goods description fits the declared PCT code, and which code fits it best.

Each tariff line gets a profile: its tariff text (reference data, used whatever its
valid_from, like the tariff itself) plus the descriptions that earlier importers
*mostly* declared under it (in the HISTORY window before the item's month, see `windows`). A
description counts for a code only where at least half of its earlier declarations used that
code, so the occasional misclassified "SPLIT AIR CONDITIONER" under the parts code does not
teach the parts code to look like air conditioners. Traders do not write tariff text ("SOLAR
HYBRID INVERTER 5KW" vs "Static converters: other"), which is why their own wording counts.

Similarity is the cosine between character 3-4-gram vectors (scikit-learn's HashingVectorizer:
stateless, so no statistic of later rows, not even an IDF, enters an earlier item's vector).
Descriptions are normalised first (model numbers, sizes and short tokens dropped) and each
distinct one is vectorised once, so a million items cost a few thousand vectorisations.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.preprocessing import normalize

from .windows import MonthlyCounts

MAJORITY = 0.5        # share of a description's earlier declarations a code needs to own it
BETTER_MARGIN = 0.15  # how much better another code must fit to flag the declared one
MIN_BEST_FIT = 0.5    # ... and it must fit at least this well in absolute terms
_STOP = frozenset({"AND", "THE", "FOR", "WITH", "OTHER", "NOT", "ITS", "THAN", "NOR",
                   "WHETHER", "KIND", "USED", "ETC", "NEW", "PACKED", "INVOICE", "PER"})
# Whole words of 3+ letters: a token with a digit in it ("65R15", "AB-1234" -> "1234") is a
# size or model number, not the name of the goods.
_WORD = re.compile(r"(?<![A-Z0-9])[A-Z]{3,}(?![A-Z0-9])")
_VECTORIZER = HashingVectorizer(analyzer="char_wb", ngram_range=(3, 4), n_features=2**20,
                                alternate_sign=False, norm="l2", lowercase=False)


def normalise(text: str) -> str:
    """Upper case words of 3+ letters, no digits, no stop words: what names the goods."""
    return " ".join(w for w in _WORD.findall(text.upper()) if w not in _STOP)


@dataclass
class DescriptionFit:
    codes: np.ndarray          # the code space: the rows' codes, then tariff-only codes
    best_id: np.ndarray        # index into `codes` of the best-fitting code per target row
    best_code: np.ndarray      # object: best-fitting PCT code per target row
    fit_declared: np.ndarray   # float
    fit_best: np.ndarray       # float
    better: np.ndarray         # bool


def description_fit(description: np.ndarray, code_id: np.ndarray, row_codes: np.ndarray,
                    month: np.ndarray, target: np.ndarray, tariff_codes: np.ndarray,
                    tariff_text: np.ndarray, window: int) -> DescriptionFit:
    """Fit of each target row's description to its code, from rows (all) before its month.

    ``code_id`` numbers each row's PCT code in ``row_codes`` (its distinct codes).
    """
    raw_id, raw = pd.factorize(pd.Series(description, dtype=object))
    norm_codes, norm_of_raw = np.unique(
        np.asarray([normalise(str(d)) for d in raw], dtype=object).astype(str),
        return_inverse=True)
    desc_id = norm_of_raw.ravel()[raw_id]
    known = set(row_codes.tolist())
    codes = np.asarray([*row_codes.tolist(),
                        *sorted({c for c in tariff_codes.tolist() if c not in known})],
                       dtype=object)
    position = {c: i for i, c in enumerate(codes.tolist())}
    n_desc, n_codes = len(norm_codes), len(codes)
    desc_vec = _VECTORIZER.transform(norm_codes)
    tariff_vec = sparse.csr_matrix((n_codes, desc_vec.shape[1]))
    if len(tariff_codes):
        texts = pd.Series(tariff_text).map(normalise).to_numpy(object)
        rows = np.asarray([position[c] for c in tariff_codes.tolist()], dtype=np.int64)
        tariff_vec = normalize(sparse.csr_matrix(
            (np.ones(len(rows)), (rows, np.arange(len(rows)))), shape=(n_codes, len(rows)))
            @ _VECTORIZER.transform(texts))

    # (description, code) pairs seen, and their counts in each target month's window.
    pair_key = desc_id.astype(np.int64) * n_codes + code_id
    pairs, pair_id = np.unique(pair_key, return_inverse=True)
    pair_desc, pair_code = pairs // n_codes, pairs % n_codes

    t_rows = np.flatnonzero(target)
    t_desc, t_code, t_month = desc_id[t_rows], code_id[t_rows], month[t_rows]
    best_id = np.zeros(len(t_rows), dtype=np.int64)
    fit_declared = np.zeros(len(t_rows))
    fit_best = np.zeros(len(t_rows))
    monthly = MonthlyCounts(pair_id, month, len(pairs), month)
    for t in np.unique(t_month):
        in_month = np.flatnonzero(t_month == t)
        counts = monthly.window(int(t), window)
        profile = _profiles(counts, pair_desc, pair_code, n_desc, n_codes, desc_vec,
                            tariff_vec)
        wanted = np.unique(t_desc[in_month])
        best_of, top_of = _best(desc_vec[wanted], profile)
        local = np.searchsorted(wanted, t_desc[in_month])
        # Fit to the declared code, once per distinct (description, code) of the month.
        seen, which = np.unique(t_desc[in_month] * n_codes + t_code[in_month],
                                return_inverse=True)
        declared = np.asarray(desc_vec[seen // n_codes].multiply(
            profile[seen % n_codes]).sum(axis=1)).ravel()[which.ravel()]
        best, top = best_of[local], top_of[local]
        # A tie goes to the declared code: only a strictly better fit is evidence.
        keep = top <= declared + 1e-9
        best_id[in_month] = np.where(keep, t_code[in_month], best)
        fit_declared[in_month] = declared
        fit_best[in_month] = np.where(keep, declared, top)
    better = (fit_best - fit_declared >= BETTER_MARGIN) & (fit_best >= MIN_BEST_FIT)
    return DescriptionFit(codes, best_id, codes[best_id], np.clip(fit_declared, 0, 1),
                          np.clip(fit_best, 0, 1), better)


def _best(vectors: sparse.csr_matrix, profile: sparse.csr_matrix,
          block: int = 2000) -> tuple[np.ndarray, np.ndarray]:
    """Best-fitting code and its similarity for each vector, in blocks to bound memory."""
    best = np.zeros(vectors.shape[0], dtype=np.int64)
    top = np.zeros(vectors.shape[0])
    for start in range(0, vectors.shape[0], block):
        sims = (vectors[start:start + block] @ profile.T).toarray()
        best[start:start + block] = sims.argmax(axis=1)
        top[start:start + block] = sims.max(axis=1)
    return best, top


def _profiles(counts: np.ndarray, pair_desc: np.ndarray, pair_code: np.ndarray, n_desc: int,
              n_codes: int, desc_vec: sparse.csr_matrix,
              tariff_vec: sparse.csr_matrix) -> sparse.csr_matrix:
    """One unit vector per code: its tariff text plus the descriptions it owns."""
    per_desc = np.bincount(pair_desc, weights=counts, minlength=n_desc)
    share = np.divide(counts, per_desc[pair_desc], out=np.zeros(len(counts)),
                      where=per_desc[pair_desc] > 0)
    owned = (counts > 0) & (share >= MAJORITY)
    weights = np.log1p(counts[owned])
    usage = sparse.csr_matrix((weights, (pair_code[owned], pair_desc[owned])),
                              shape=(n_codes, n_desc))
    wording = normalize(usage @ desc_vec)
    # Tariff text and traders' wording weigh the same once each is a unit vector.
    return normalize(wording + tariff_vec).tocsr()
