"""Text measured and broken into lines for the list PDFs, many texts at once, exactly as
ReportLab would (``pdfmetrics.stringWidth``, ``reportlab.lib.utils.simpleSplit``).

Why: a run's list PDFs measure and wrap hundreds of thousands of cell texts (names,
deprivation lists, notes). ReportLab does it one text at a time in Python: ``simpleSplit``
calls ``stringWidth`` once per word, which was a tenth of writing the lists (issue 16).
Here the characters of all texts are one array of code points and each step (widths,
words, the greedy line filling) is an array operation, giving ReportLab's results bit for
bit, so the PDFs do not change; tests compare both with ReportLab on real and odd texts.
The fonts must be registered with ReportLab first (``list_pdf.register_fonts``).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import TypeAlias

import numpy as np
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics

#: texts handled at once: ~20-250 characters each, so the arrays stay a few MiB
_CHUNK = 50_000
#: every code point Python's ``str.split()`` treats as white space lies below this
_SPACE_LIMIT = 0x3001
_NEWLINE, _SPACE = 10, 32
#: texts: a list of str or an object array of them
Texts: TypeAlias = "Sequence[str] | np.ndarray"


@lru_cache(maxsize=4)
def _width_table(font: str) -> tuple[np.ndarray, float]:
    """The font's advance widths by code point (its default where it has no glyph)."""
    face = pdfmetrics.getFont(font).face
    table = np.full(max(face.charWidths, default=0) + 1, float(face.defaultWidth))
    table[list(face.charWidths)] = list(face.charWidths.values())
    return table, float(face.defaultWidth)


@lru_cache(maxsize=1)
def _is_space() -> np.ndarray:
    """``str.isspace`` of every code point below ``_SPACE_LIMIT`` (what ``str.split()``
    splits at; a test checks that none lies above)."""
    return np.fromiter((chr(c).isspace() for c in range(_SPACE_LIMIT)), dtype=bool,
                       count=_SPACE_LIMIT)


def _code_points(texts: Texts) -> tuple[np.ndarray, np.ndarray]:
    """All texts' code points in one array, and each text's length in code points."""
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    points = np.frombuffer("".join(texts).encode("utf-32-le", "surrogatepass"), dtype="<u4")
    return points, lengths


def _raw_widths(points: np.ndarray, font: str) -> np.ndarray:
    """Each code point's advance width in font units (ReportLab's ``charWidths``)."""
    table, default = _width_table(font)
    widths = table[np.minimum(points, len(table) - 1)]
    widths[points >= len(table)] = default
    return widths


def text_widths(texts: np.ndarray, font: str, size: float) -> np.ndarray:
    """``pdfmetrics.stringWidth`` of many texts at once, bit for bit.

    ReportLab sums the font's advance width of each character (a missing glyph counts the
    font's default width) and scales the sum by 0.001, then by the size (the order
    matters to the last bit). Here the sums are differences of one cumulative sum. The
    widths are multiples of 1/256 (font units of 1/2048 em, times 1000), so every partial
    sum is exact and the order of the additions cannot change a bit.
    """
    out = np.empty(len(texts))
    for start in range(0, len(texts), _CHUNK):  # bounded temporaries on big runs
        part = texts[start:start + _CHUNK]
        points, lengths = _code_points(part)
        ends = np.cumsum(lengths)
        sums = np.concatenate(([0.0], np.cumsum(_raw_widths(points, font))))
        out[start:start + len(part)] = sums[ends] - sums[ends - lengths]
    return out * 0.001 * size  # ReportLab's order of the two products


def split_lines(texts: Texts, width: float, font: str,
                size: float) -> tuple[list[str], np.ndarray]:
    """``"\\n".join(simpleSplit(text, font, size, width))`` of every text, and its number of
    lines (at least 1), bit for bit.

    ``simpleSplit`` splits a text at white space (``str.split()``) and fills each line
    greedily: a word joins the line when the line's width plus a space plus the word is at
    most ``width``; the first word of a line always goes on it, so a single word wider than
    ``width`` stays whole. Texts with a line break of their own (rare in a cell) go through
    ``simpleSplit`` itself.
    """
    out: list[str] = []
    lines = np.ones(len(texts), dtype=np.int64)
    arr = np.asarray(texts, dtype=object)
    for start in range(0, len(arr), _CHUNK):
        part = arr[start:start + _CHUNK]
        text, n = _split_chunk(part, width, font, size)
        out += text
        lines[start:start + len(part)] = n
    return out, lines


def _split_chunk(texts: np.ndarray, width: float, font: str,
                 size: float) -> tuple[list[str], np.ndarray]:
    points, lengths = _code_points(texts)
    n = len(texts)
    text_of = np.repeat(np.arange(n), lengths)  # the text each code point belongs to
    own_break = np.bincount(text_of[points == _NEWLINE], minlength=n) > 0
    space = np.zeros(len(points), dtype=bool)
    low = points < _SPACE_LIMIT
    space[low] = _is_space()[points[low]]
    starts, ends = _words(space, text_of)
    word_text = text_of[starts]
    cum = np.concatenate(([0.0], np.cumsum(_raw_widths(points, font))))
    word_width = (cum[ends] - cum[starts]) * 0.001 * size  # stringWidth(word)
    space_width = pdfmetrics.stringWidth(" ", font, size)
    broken = _greedy(word_width, word_text, n, space_width, width)
    result, n_lines = _assemble(points, starts, ends, word_text, broken, n)
    for i in np.flatnonzero(own_break).tolist():  # a cell with its own line breaks
        result[i] = "\n".join(simpleSplit(str(texts[i]), font, size, width))
        n_lines[i] = result[i].count("\n") + 1
    return result, n_lines


def _words(space: np.ndarray, text_of: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First and one-past-last code point of every word (a run of non-space code points
    inside one text), in order."""
    word = ~space
    new_text = np.ones(len(word), dtype=bool)
    new_text[1:] = text_of[1:] != text_of[:-1]
    begins = word & (new_text | np.concatenate(([True], ~word[:-1])))
    last = np.ones(len(word), dtype=bool)
    last[:-1] = new_text[1:] | ~word[1:]
    return np.flatnonzero(begins), np.flatnonzero(word & last) + 1


def _greedy(word_width: np.ndarray, word_text: np.ndarray, n: int, space_width: float,
            width: float) -> np.ndarray:
    """Whether each word starts a new line, by ``simpleSplit``'s greedy rule.

    One step per word position (the first words of every text, then the second words, …),
    each step an array operation over all texts that have a word there; the sums are done
    in ReportLab's order (``w + ws + lt``), so the comparisons are the same to the bit.
    """
    first = np.searchsorted(word_text, np.arange(n))  # each text's first word
    position = np.arange(len(word_text)) - first[word_text]
    order = np.argsort(position, kind="stable")  # by position, then by text
    bounds = np.searchsorted(position[order], np.arange(position.max(initial=-1) + 2))
    line_width = np.zeros(n)
    broken = np.zeros(len(word_text), dtype=bool)
    for k in range(len(bounds) - 1):
        idx = order[bounds[k]:bounds[k + 1]]
        texts, lt = word_text[idx], word_width[idx]
        if k == 0:  # the first word always goes on the first line: w = -ws + ws + lt
            line_width[texts] = lt
            continue
        joined = line_width[texts] + space_width + lt
        fits = joined <= width
        line_width[texts] = np.where(fits, joined, lt)
        broken[idx] = ~fits
    return broken


def _assemble(points: np.ndarray, starts: np.ndarray, ends: np.ndarray,
              word_text: np.ndarray, broken: np.ndarray, n: int
              ) -> tuple[list[str], np.ndarray]:
    """The texts rebuilt from their words: one space inside a line, a line break before a
    word that starts a new line (``" ".join`` and ``"\\n".join`` in ``simpleSplit``)."""
    if not len(starts):  # nothing but white space: simpleSplit gives no line
        return [""] * n, np.ones(n, dtype=np.int64)
    size = ends - starts
    has_next = np.zeros(len(starts), dtype=bool)
    has_next[:-1] = word_text[1:] == word_text[:-1]
    sep = np.where(np.concatenate((broken[1:], [False])), _NEWLINE, _SPACE)
    room = size + has_next  # the word and the separator after it
    at = np.concatenate(([0], np.cumsum(room)[:-1]))  # where each word goes in the output
    out = np.zeros(int(room.sum()), dtype="<u4")
    before = np.concatenate(([0], np.cumsum(size)[:-1]))
    step = np.arange(int(size.sum()))
    out[np.repeat(at - before, size) + step] = points[np.repeat(starts - before, size) + step]
    out[(at + size)[has_next]] = sep[has_next]
    text_len = np.bincount(word_text, weights=room, minlength=n).astype(np.int64)
    bounds = np.concatenate(([0], np.cumsum(text_len)))
    whole = out.tobytes().decode("utf-32-le", "surrogatepass")
    texts = [whole[a:b] for a, b in zip(bounds[:-1].tolist(), bounds[1:].tolist(),
                                         strict=True)]
    n_lines = 1 + np.bincount(word_text[broken], minlength=n)
    return texts, n_lines
