"""Which pairs of titles are at least `threshold` similar by rapidfuzz's token_sort_ratio, without
scoring every pair: an upper bound, computed for many pairs at once, rules most pairs out, and
only the rest are scored (exactly as `fuzz.token_sort_ratio` scores them).

token_sort_ratio(X, Y) is the normalised indel similarity 1 - indel(X', Y') / (len X' + len Y')
of the titles' words sorted and joined by spaces (X', Y'). An indel distance is at least the L1
distance of the two strings' character histograms, so the score is at most
2 * overlap(X', Y') / (len X' + len Y'), where overlap is the sum over characters of the smaller
count: one matrix product over "count >= k" indicators gives it for a whole block of pairs.
The words must be the ones rapidfuzz sees, which are not always str.split()'s (`title_words`).
"""

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, process

# Character bins and how many occurrences of each are counted exactly; beyond the cap the overlap
# is bounded by the smaller overflow (still an upper bound, so still exact filtering).
_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
_SPACE_BIN, _OTHER_BIN = len(_ALPHABET), len(_ALPHABET) + 1
_CAPS = np.array([12 if c in "etaoinsrldcu" else 6 for c in _ALPHABET] + [32, 32])
_UNARY_BIN = np.repeat(np.arange(len(_CAPS)), _CAPS)  # column -> its bin
_UNARY_LEVEL = np.concatenate([np.arange(cap) for cap in _CAPS])  # column -> k
_BIN_OF = {character: index for index, character in enumerate(_ALPHABET)} | {" ": _SPACE_BIN}
COLUMN_SLICE = 4096  # titles compared with a block at once (bounds the pair matrices)
_MARGIN = 1e-9  # float slack: a pair this close to the bound is scored, never skipped
# rapidfuzz splits words where str.split() does, except at the whitespace it keeps inside words
# of a string stored a byte a character (no character above U+00FF): U+0085 and U+00A0 in
# rapidfuzz 3.14. Asked of rapidfuzz once, so an upgrade that changes it stays exact.
_NARROW_KEPT = "".join(
    c for c in map(chr, range(256)) if c.isspace() and fuzz.token_sort_ratio(f"a{c}b", "b a") < 100
)
_NARROW_SPLIT = re.compile(f"[^\\S{re.escape(_NARROW_KEPT)}]+") if _NARROW_KEPT else None


def title_words(title: str) -> list[str]:
    """The words fuzz.token_sort_ratio splits `title` into (repeats kept)."""
    if _NARROW_SPLIT is not None and title and max(title) <= "\xff":
        return [word for word in _NARROW_SPLIT.split(title) if word]
    return title.split()


@dataclass(frozen=True, slots=True)
class TitleShape:
    """What the bound needs to know about one (lower-cased) title; kept small (a merge graph
    holds one per event of its look-back): counts are bytes."""

    title: str
    length: int  # len(" ".join(sorted(words)))
    capped: bytes  # occurrences per character bin, up to the bin's cap
    overflow: int  # occurrences beyond the caps

    @classmethod
    def of(cls, title: str) -> "TitleShape":
        joined = " ".join(sorted(title_words(title)))
        histogram = np.zeros(len(_CAPS), dtype=np.int64)
        for character, count in Counter(joined).items():
            histogram[_BIN_OF.get(character, _OTHER_BIN)] += count
        capped = np.minimum(histogram, _CAPS)
        overflow = int((histogram - capped).sum())
        return cls(title, len(joined), capped.astype(np.uint8).tobytes(), overflow)


def pair_arrays(pairs: Sequence[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
    """(first, second) pairs as two int64 arrays."""
    if not pairs:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    array = np.asarray(pairs, dtype=np.int64)
    return array[:, 0], array[:, 1]


class TitleBlock:
    """Titles in a fixed order, ready to be searched for similar pairs block by block."""

    def __init__(self, shapes: Sequence[TitleShape], threshold: float) -> None:
        self.shapes = list(shapes)
        self.threshold = threshold
        self.lengths = np.array([s.length for s in self.shapes], dtype=np.float64)
        self.overflow = np.array([s.overflow for s in self.shapes], dtype=np.float64)
        # "bin has more than k occurrences" indicators, one column per (bin, k): their dot
        # product is the overlap of two capped histograms.
        capped = np.frombuffer(b"".join(s.capped for s in self.shapes), dtype=np.uint8)
        capped = capped.reshape(len(self.shapes), len(_CAPS))
        self.counts = (capped[:, _UNARY_BIN] > _UNARY_LEVEL).astype(np.uint8)

    def similar(self, rows: Sequence[int], low: int, high: int) -> list[tuple[int, int]]:
        """(row, column) positions, rows from `rows`, columns in [low, high), whose titles score
        at least the threshold (and neither is empty)."""
        found_rows, found_columns = self.pairs(rows, low, high)
        return list(zip(found_rows.tolist(), found_columns.tolist(), strict=True))

    def pairs(self, rows: Sequence[int], low: int, high: int) -> tuple[np.ndarray, np.ndarray]:
        """`similar` as two arrays (rows, columns); the columns are searched a slice at a time,
        so memory stays bounded however many titles the range holds."""
        if not len(rows) or high <= low:
            return pair_arrays([])
        row_array = np.asarray(rows, dtype=np.int64)
        found = [
            self._slice_pairs(row_array, start, min(high, start + COLUMN_SLICE))
            for start in range(low, high, COLUMN_SLICE)
        ]
        return (
            np.concatenate([found_rows for found_rows, _ in found]),
            np.concatenate([found_columns for _, found_columns in found]),
        )

    def _slice_pairs(self, rows: np.ndarray, low: int, high: int) -> tuple[np.ndarray, np.ndarray]:
        row_index, column_index = np.nonzero(self._candidates(rows, low, high))
        if not len(row_index):
            return pair_arrays([])
        scores = process.cpdist(
            [self.shapes[i].title for i in rows[row_index].tolist()],
            [self.shapes[low + j].title for j in column_index.tolist()],
            scorer=fuzz.token_sort_ratio,
            score_cutoff=max(self.threshold * 100 - 0.5, 0),
            dtype=np.float64,
            workers=-1,
        )
        passed = scores / 100.0 >= self.threshold  # exactly the test on a single pair's score
        return rows[row_index[passed]], low + column_index[passed]

    def _candidates(self, rows: np.ndarray, low: int, high: int) -> np.ndarray:
        """Pairs whose character-count bound reaches the threshold (neither title empty)."""
        block = self.counts[rows].astype(np.float32)  # exact: sums of a few hundred 0/1s
        overlap = (block @ self.counts[low:high].astype(np.float32).T).astype(np.float64)
        overlap += np.minimum(self.overflow[rows][:, None], self.overflow[low:high][None, :])
        total = self.lengths[rows][:, None] + self.lengths[low:high][None, :]
        with np.errstate(divide="ignore", invalid="ignore"):
            bound = np.where(total > 0, 2 * overlap / total, 0.0)
        empty = (self.lengths[rows] == 0)[:, None] | (self.lengths[low:high] == 0)[None, :]
        return (bound >= self.threshold - _MARGIN) & ~empty
