"""Which pairs of titles are at least `threshold` similar by rapidfuzz's token_set_ratio, without
scoring every pair: two upper bounds, computed for many pairs at once, rule most pairs out, and
only the rest are scored (exactly as `fuzz.token_set_ratio` scores them).

token_set_ratio(X, Y) with token sets A, B, shared tokens I = A & B, DA = A - B, DB = B - A,
X and Y the sorted tokens joined by spaces, and s, a, b the joined lengths of I, DA and DB, is

- 100 when I is not empty and DA or DB is (one title's words all appear in the other), else the
  largest of
- r1 = 1 - indel(DA, DB) / (len X + len Y),
- r2 = 2s / (len X + s) and r3 = 2s / (len Y + s) when I is not empty.

r2 and r3 need shared words: r2 >= t means the shared words weigh at least t / (2 - t) of X.
Any set of X's words that heavy must contain one of X's "prefix" words (its rarest words whose
removal leaves too little weight), so only titles holding a prefix word are candidates
(prefix filtering). r1 needs close character counts: the character histograms of DA and DB
differ exactly as those of X and Y do, and an indel distance is at least the histogram's L1
distance, so r1 <= 2 * overlap(X, Y) / (len X + len Y), where overlap is the sum over characters
of the smaller count: one matrix product over "count >= k" indicators gives it for a whole block.
Both need the words rapidfuzz sees, which are not always str.split()'s (see `title_words`).
"""

import bisect
import re
import sys
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, process

# Character bins and how many occurrences of each are counted exactly; beyond the cap the overlap
# is bounded by the smaller overflow (still an upper bound, so still exact filtering).
_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
_SPACE_BIN, _OTHER_BIN = len(_ALPHABET), len(_ALPHABET) + 1
_CAPS = np.array([12 if c in "etaoinsrldcu" else 6 for c in _ALPHABET] + [32, 32])
_WIDTH = int(_CAPS.sum())
_UNARY_BIN = np.repeat(np.arange(len(_CAPS)), _CAPS)  # column -> its bin
_UNARY_LEVEL = np.concatenate([np.arange(cap) for cap in _CAPS])  # column -> k
_BIN_OF = {character: index for index, character in enumerate(_ALPHABET)} | {" ": _SPACE_BIN}
COLUMN_SLICE = 4096  # titles compared with a block at once (bounds the pair matrices)
_MARGIN = 1e-9  # float slack: a pair this close to a bound is scored, never skipped
# rapidfuzz splits words where str.split() does, except at the whitespace it keeps inside words
# of a string stored a byte a character (no character above U+00FF): U+0085 and U+00A0 in
# rapidfuzz 3.14. Asked of rapidfuzz once, so an upgrade that changes it stays exact.
_NARROW_KEPT = "".join(
    c for c in map(chr, range(256)) if c.isspace() and fuzz.token_set_ratio(f"a{c}b", "b a") < 100
)
_NARROW_SPLIT = re.compile(f"[^\\S{re.escape(_NARROW_KEPT)}]+") if _NARROW_KEPT else None


def title_words(title: str) -> frozenset[str]:
    """The (unique) words fuzz.token_set_ratio splits `title` into."""
    if _NARROW_SPLIT is not None and title and max(title) <= "\xff":
        return frozenset(word for word in _NARROW_SPLIT.split(title) if word)
    return frozenset(title.split())


@dataclass(frozen=True, slots=True)
class TitleShape:
    """What the bounds need to know about one (lower-cased) title; kept small (a merge graph
    holds one per event of its look-back): words are interned, counts are bytes."""

    title: str
    tokens: frozenset[str]
    length: int  # len(" ".join(sorted(tokens)))
    capped: bytes  # occurrences per character bin, up to the bin's cap
    overflow: int  # occurrences beyond the caps
    prefix: tuple[str, ...]  # see `_prefix`

    @classmethod
    def of(cls, title: str, threshold: float, frequency: Mapping[str, int]) -> "TitleShape":
        """`frequency` (how many titles hold each word) only orders the prefix: rare first."""
        tokens = frozenset(map(sys.intern, title_words(title)))  # words repeat across titles
        joined = " ".join(sorted(tokens))
        histogram = np.zeros(len(_CAPS), dtype=np.int64)
        for character, count in Counter(joined).items():
            histogram[_BIN_OF.get(character, _OTHER_BIN)] += count
        capped = np.minimum(histogram, _CAPS)
        overflow = int((histogram - capped).sum())
        prefix = _prefix(tokens, threshold, frequency)
        return cls(title, tokens, len(joined), capped.astype(np.uint8).tobytes(), overflow, prefix)


def _prefix(
    tokens: frozenset[str], threshold: float, frequency: Mapping[str, int]
) -> tuple[str, ...]:
    """Words taken rarest first until the rest weigh too little to make r2 reach `threshold`:
    every shared set heavy enough holds one of them, whatever the order (rare words only keep
    the candidate lists short). A word weighs its length plus the space that joins it; the
    title weighs its length + 1."""
    length = sum(len(token) + 1 for token in tokens) - 1
    need = threshold * length / (2 - threshold) + 1 - _MARGIN  # shared weight r2 needs
    remaining = length + 1
    chosen = []
    for token in sorted(tokens, key=lambda t: (frequency.get(t, 0), -len(t), t)):
        if remaining < need:
            break
        chosen.append(token)
        remaining -= len(token) + 1
    return tuple(chosen)


def pair_arrays(pairs: Sequence[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
    """(first, second) pairs as two int64 arrays."""
    if not pairs:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    array = np.asarray(pairs, dtype=np.int64)
    return array[:, 0], array[:, 1]


class TitleBlock:
    """Titles in a fixed order, ready to be searched for similar pairs block by block."""

    def __init__(self, shapes: Sequence[TitleShape], threshold: float) -> None:
        """`shapes` made with the same threshold."""
        self.shapes = list(shapes)
        self.threshold = threshold
        self.lengths = np.array([s.length for s in self.shapes], dtype=np.float64)
        self.overflow = np.array([s.overflow for s in self.shapes], dtype=np.float64)
        # "bin has more than k occurrences" indicators, _WIDTH per title: their dot product is
        # the overlap of two capped histograms.
        capped = np.frombuffer(b"".join(s.capped for s in self.shapes), dtype=np.uint8)
        capped = capped.reshape(len(self.shapes), len(_CAPS))
        self.counts = (capped[:, _UNARY_BIN] > _UNARY_LEVEL).astype(np.uint8)
        self._holding: dict[str, list[int]] = {}  # token -> positions of titles with it
        self._prefixed: dict[str, list[int]] = {}  # token -> positions with it in their prefix
        for position, shape in enumerate(self.shapes):
            for token in shape.tokens:
                self._holding.setdefault(token, []).append(position)
            for token in shape.prefix:
                self._prefixed.setdefault(token, []).append(position)

    def similar(self, rows: Sequence[int], low: int, high: int) -> list[tuple[int, int]]:
        """(row, column) positions, rows from `rows`, columns in [low, high), whose titles score
        at least the threshold (and neither is empty)."""
        found_rows, found_columns = self.pairs(rows, low, high)
        return list(zip(found_rows.tolist(), found_columns.tolist(), strict=True))

    def pairs(self, rows: Sequence[int], low: int, high: int) -> tuple[np.ndarray, np.ndarray]:
        """`similar` as two arrays (rows, columns); the columns are searched a slice at a time,
        so memory stays bounded however many titles the range holds."""
        if not rows or high <= low:
            return pair_arrays([])
        found = [
            self._slice_pairs(rows, start, min(high, start + COLUMN_SLICE))
            for start in range(low, high, COLUMN_SLICE)
        ]
        return (
            np.concatenate([found_rows for found_rows, _ in found]),
            np.concatenate([found_columns for _, found_columns in found]),
        )

    def _slice_pairs(
        self, rows: Sequence[int], low: int, high: int
    ) -> tuple[np.ndarray, np.ndarray]:
        candidates = self._character_candidates(np.asarray(rows), low, high)
        sure: list[tuple[int, int]] = []
        for index, row in enumerate(rows):
            for column in self._word_candidates(row, low, high):
                if candidates[index, column - low]:
                    continue  # r1 may decide it: scored below
                # r1 is below the threshold here, so the score is r2/r3 (or 100), computed from
                # the shared words; only a score too close to call goes to the scorer.
                decided = self._containment(self.shapes[row], self.shapes[column])
                if decided is None:
                    candidates[index, column - low] = True
                elif decided:
                    sure.append((row, column))
        sure_rows, sure_columns = pair_arrays(sure)
        row_index, column_index = np.nonzero(candidates)
        if not len(row_index):
            return sure_rows, sure_columns
        rows_array = np.asarray(rows, dtype=np.int64)
        scores = process.cpdist(
            [self.shapes[rows[i]].title for i in row_index.tolist()],
            [self.shapes[low + j].title for j in column_index.tolist()],
            scorer=fuzz.token_set_ratio,
            score_cutoff=max(self.threshold * 100 - 0.5, 0),
            dtype=np.float64,
            workers=-1,
        )
        passed = scores / 100.0 >= self.threshold  # exactly the test on a single pair's score
        return (
            np.concatenate([sure_rows, rows_array[row_index[passed]]]),
            np.concatenate([sure_columns, low + column_index[passed]]),
        )

    def _containment(self, first: TitleShape, second: TitleShape) -> bool | None:
        """Whether max(r2, r3) (100 for a contained title) reaches the threshold; None when it
        is within float noise of it."""
        shared = first.tokens & second.tokens
        count = len(shared)
        if not count:
            return False
        if count == len(first.tokens) or count == len(second.tokens):
            return True
        s = sum(map(len, shared)) + count - 1
        score = 2 * s / (min(first.length, second.length) + s)
        if abs(score - self.threshold) <= _MARGIN:
            return None
        return score > self.threshold

    def _character_candidates(self, rows: np.ndarray, low: int, high: int) -> np.ndarray:
        """Pairs that r1 (or anything) might lift to the threshold: the character-count bound."""
        overlap = self.counts[rows].astype(np.float32) @ self.counts[low:high].astype(np.float32).T
        overlap = overlap.astype(np.float64) + np.minimum(
            self.overflow[rows][:, None], self.overflow[low:high][None, :]
        )
        total = self.lengths[rows][:, None] + self.lengths[low:high][None, :]
        with np.errstate(divide="ignore", invalid="ignore"):
            bound = np.where(total > 0, 2 * overlap / total, 0.0)
        empty = (self.lengths[rows] == 0)[:, None] | (self.lengths[low:high] == 0)[None, :]
        return (bound >= self.threshold - _MARGIN) & ~empty

    def _word_candidates(self, row: int, low: int, high: int) -> Iterable[int]:
        """Titles sharing one of the row's prefix words (r2), or holding one of the row's words
        in their own prefix (r3): the only ones r2 or r3 can lift to the threshold."""
        found: set[int] = set()
        for index, tokens in ((self._holding, self.shapes[row].prefix),
                              (self._prefixed, self.shapes[row].tokens)):  # fmt: skip
            for token in tokens:
                positions = index.get(token, ())
                first = bisect.bisect_left(positions, low)
                found.update(positions[first : bisect.bisect_left(positions, high, first)])
        return found
