"""BM25Okapi's exact scores from Xapian's candidates, and the bound that makes them safe.

Xapian's BM25Weight(k1, 0, k3, b, 0) computes, per query term, idf_x * R, where
R = tf * (k1 + 1) / (tf + k1 * (1 - b + b * dl / avgdl)) is exactly rank_bm25's
term-frequency part and idf_x = log(tw), tw = (N - df + .5) / (df + .5), except
that Xapian lifts tw below 2 to tw / 2 + 1 (terms in more than about a third of
the chunks). rank_bm25 uses log(tw) and floors negative values (terms in more
than half) at epsilon times the mean idf of the whole vocabulary.

So each term's Xapian query is scaled by okapi.idf / xapian_idf: Xapian's score
of every chunk then equals BM25Okapi's (up to float rounding; terms whose okapi
idf is not positive are left out, which only raises Xapian's score above the
exact one). That gives the bound (`threshold`): only chunks whose Xapian weight
is within 2 * SLACK of the k-th weight can be in the exact top k; those are read
and rescored exactly. While the last chunk Xapian returned is still above the
threshold the caller fetches more. The top k is exact, never a matter of luck.
"""

from __future__ import annotations

import math

# Relative float error allowed between Xapian's scaled weight and the exact score: both
# are a handful of float64 operations (measured within 1e-15), so 1e-9 is generous and
# costs nothing but an occasional extra fetch on near-ties.
SLACK = 1e-9


def xapian_idf(df: int, n: int) -> float:
    """The idf Xapian's BM25Weight uses (its lift for terms in more than ~1/3 of chunks)."""
    tw = (n - df + 0.5) / (df + 0.5)
    if tw < 2:
        tw = tw * 0.5 + 1
    return math.log(tw)


def scale(okapi: float, df: int, n: int) -> float:
    """The weight factor that turns Xapian's term weight into BM25Okapi's (0: leave out)."""
    if okapi <= 0:
        return 0.0
    return okapi / xapian_idf(df, n)


def threshold(kth_weight: float) -> float:
    """The least Xapian weight a chunk can have and still be in the exact top k.

    Xapian's weight w and the exact score s of any chunk satisfy
    w (1 - SLACK) <= s <= w (1 + SLACK). The k chunks of highest weight all score at
    least kth_weight (1 - SLACK), so the k-th best score does too, and a chunk that
    reaches it has w (1 + SLACK) >= kth_weight (1 - SLACK).
    """
    return kth_weight * (1 - SLACK) / (1 + SLACK)
