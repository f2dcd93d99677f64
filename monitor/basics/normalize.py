"""Text normalisation for matching, keeping a map back to the original offsets.

What it does (the same to aliases and to article text):
NFC; soft hyphens, zero-width characters, combining marks and Armenian in-word
marks (՛ ՜ ՞) removed; Latin diacritics folded (é -> e), and Turkic dotless ı
with them, so that a headline in capitals matches (LAÇIN = Laçın), while ə stays
a letter of its own; ё -> е; Armenian և, ԵՎ, եվ and the older եւ are one (եվ);
every dash and hyphen, non-breaking space and line break becomes a space and runs
of spaces become one; curly apostrophes become '; lower case. `cased` is the same
text without lower-casing, so that acronyms and capitalised aliases can be held
to their capitals.

The common case (NFC text, lower() keeps the length) is done with str.translate
and one regex; only odd text takes the per-character path.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass
from functools import cached_property
from itertools import accumulate

_DASHES = "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d\u2e3a\u2e3b"
_SPACES = "\t\n\r\x0b\x0c\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
_APOSTROPHES = "\u2019\u2018\u02bc\u0060\u00b4\u2032\u02b9"
_EXTRA = {
    "ø": "o",
    "Ø": "O",
    "đ": "d",
    "Đ": "D",
    "ł": "l",
    "Ł": "L",
    "ё": "е",
    "Ё": "Е",
    "ħ": "h",
    "ı": "i",  # Turkic: I is the capital of ı, İ (folded to I) of i
    "և": "եվ",  # Armenian: the ligature is written ԵՎ in capitals, եվ in reformed spelling
}
_MARK_CHARS = "\u00ad\u200b\u200c\u200d\u2060\ufeff\u0300-\u036f\u0483-\u0489\u055b\u055c\u055e\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff"
_MARKS = re.compile(f"[{_MARK_CHARS}]")
_SPACE_RUN = re.compile("  +")
_DROP = re.compile(f"[{_MARK_CHARS}]|(?<= ) +")
# A Latin i typed for the Cyrillic і inside a Cyrillic word ("Мiнск", common in
# Belarusian, Ukrainian and Kazakh text, where і has no key of its own on many layouts).
_LATIN_I = str.maketrans("iI", "іІ")
_CYRILLIC = re.compile("[\u0400-\u04ff]")
_I_RUN = re.compile("[iI]+")
# The older Armenian spelling of և, ե followed by ւ (never part of ու), is written եվ.
_ARMENIAN_EW = re.compile("(?<=[եԵ])[ւՒ]")
_LIGATURE = "և"  # the one folding that makes two characters of one


def _build_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for cp in [*range(0xC0, 0x250), *range(0x1E00, 0x1F00)]:
        ch = chr(cp)
        base = unicodedata.normalize("NFD", ch)[0]
        if base != ch and base.isascii() and base.isalpha():
            table[cp] = base
    for ch in _DASHES + _SPACES:
        table[ord(ch)] = " "
    for ch in _APOSTROPHES:
        table[ord(ch)] = "'"
    for k, v in _EXTRA.items():
        table[ord(k)] = v
    return table


# Characters folded or dropped: accents to ASCII letters, dashes and odd spaces to a
# space, apostrophes to one.
FOLD_TABLE = _build_table()
# The characters that change or go. A text holds few of them, so finding them with a
# regex beats str.translate walking every character of non-ASCII text. Every key of
# FOLD_TABLE lies in these ranges (ranges match faster than hundreds of single characters);
# a character found here but not in FOLD_TABLE is left as it is.
SPECIAL_OR_MARK = re.compile(
    "["
    + re.escape(_DASHES + _SPACES + _APOSTROPHES)
    + "\u00c0-\u024f\u1e00-\u1eff\u0451\u0401\u0127\u0587"
    + _MARK_CHARS
    + "]"
)


def is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


@dataclass(frozen=True)
class NormText:
    """Normalised text and the way back to the original offsets.

    The way back is runs of (normalised start, original start). When the only change
    of length was collapsing runs of spaces, the runs are found only if a match needs
    them (`uncollapsed` holds the text before collapsing).
    """

    folded: str
    cased_source: str  # `cased`, or the text it is made from when `uncollapsed` is set
    original_length: int
    segments: tuple[tuple[int, ...], tuple[int, ...]] | None = None
    uncollapsed: str | None = None

    @cached_property
    def cased(self) -> str:
        """`folded` without lower-casing; built only when an acronym needs it."""
        if self.uncollapsed is None:
            return self.cased_source
        return _SPACE_RUN.sub(" ", self.cased_source)

    @cached_property
    def _runs(self) -> tuple[tuple[int, ...], tuple[int, ...]]:
        if self.segments is not None:
            return self.segments
        if self.uncollapsed is None:
            return (0,), (0,)
        text = self.uncollapsed
        spans = [m.span() for m in _SPACE_RUN.finditer(text)]
        removed = accumulate(e - s - 1 for s, e in spans)
        pairs = [(e - r, e) for (_, e), r in zip(spans, removed, strict=True) if e < len(text)]
        return (0, *(p[0] for p in pairs)), (0, *(p[1] for p in pairs))

    @property
    def seg_norm(self) -> tuple[int, ...]:
        return self._runs[0]

    @property
    def seg_orig(self) -> tuple[int, ...]:
        return self._runs[1]

    def orig(self, i: int) -> int:
        """Original offset of normalised position i (i may be len(folded))."""
        if i >= len(self.folded):
            return self.original_length
        seg_norm, seg_orig = self._runs
        k = bisect_right(seg_norm, i) - 1
        return seg_orig[k] + (i - seg_norm[k])

    def orig_span(self, start: int, end: int) -> tuple[int, int]:
        """Original [start, end) of the normalised [start, end)."""
        if end <= start:
            o = self.orig(start)
            return o, o
        return self.orig(start), self.orig(end - 1) + 1


def unmix(text: str) -> str:
    """`text` with a Latin i typed inside a Cyrillic word made the Cyrillic і: for
    aliases, and for reading annotated text. Article text is not unmixed (a scan of
    every text for a rare typing habit); the matcher adds the Latin-i spelling of an
    alias that has an і instead."""
    if text.isascii() or ("i" not in text and "I" not in text) or not _CYRILLIC.search(text):
        return text
    pieces: list[str] = []
    pos = 0
    for m in _I_RUN.finditer(text):
        a, b = m.span()
        if (a and _CYRILLIC.match(text, a - 1)) or (b < len(text) and _CYRILLIC.match(text, b)):
            pieces += [text[pos:a], m.group().translate(_LATIN_I)]
            pos = b
    if not pieces:
        return text
    pieces.append(text[pos:])
    return "".join(pieces)


def normalize(text: str) -> NormText:
    if ("ւ" in text or "Ւ" in text) and ("ե" in text or "Ե" in text):
        text = _ARMENIAN_EW.sub(lambda m: "վ" if m.group() == "ւ" else "Վ", text)
    if text.isascii():
        translated = text.translate(FOLD_TABLE)  # C's fast path for ASCII
        marks = False
    else:
        if not unicodedata.is_normalized("NFC", text):
            return _slow(text)
        # One scan finds the few distinct characters that change or go.
        found = set(SPECIAL_OR_MARK.findall(text))
        marks = bool(_MARKS.search("".join(found)))
        translated = text
        for ch in found:
            if ord(ch) in FOLD_TABLE and ch != _LIGATURE:
                translated = translated.replace(ch, FOLD_TABLE[ord(ch)])
        if _LIGATURE in found:
            lowered = translated.lower()
            if len(lowered) != len(translated):
                return _slow(text)
            return _expand_ligature(lowered, translated, len(text))
    lowered = translated.lower()
    if len(lowered) != len(translated):  # e.g. 'İ' lower-cases to two characters
        return _slow(text)
    if marks:
        return _drop(lowered, translated, len(text), (0,), (0,))
    if "  " not in lowered:
        return NormText(lowered, translated, len(text))
    return NormText(_SPACE_RUN.sub(" ", lowered), translated, len(text), uncollapsed=lowered)


def _expand_ligature(lowered: str, cased: str, n_orig: int) -> NormText:
    """Armenian և -> եվ in text whose other foldings kept its length: both letters map
    back to the ligature, and the offsets after it move by one."""
    expansion = FOLD_TABLE[ord(_LIGATURE)]
    seg_norm, seg_orig = [0], [0]
    pos = lowered.find(_LIGATURE)
    shift = 0
    while pos >= 0:
        q = pos + shift
        seg_norm += [q + 1, q + 2]
        seg_orig += [pos, pos + 1]
        shift += 1
        pos = lowered.find(_LIGATURE, pos + 1)
    return _drop(
        lowered.replace(_LIGATURE, expansion),
        cased.replace(_LIGATURE, expansion),
        n_orig,
        tuple(seg_norm),
        tuple(seg_orig),
    )


def _drop(
    folded: str, cased: str, n_orig: int, seg_norm: tuple[int, ...], seg_orig: tuple[int, ...]
) -> NormText:
    """Remove _DROP characters from a text whose offsets map through (seg_norm, seg_orig)."""
    if not _DROP.search(folded):
        return NormText(folded, cased, n_orig, (seg_norm, seg_orig))
    base = NormText(folded, cased, n_orig, (seg_norm, seg_orig))
    identity = seg_norm == (0,) and seg_orig == (0,)
    f_parts: list[str] = []
    c_parts: list[str] = []
    new_norm: list[int] = []
    new_orig: list[int] = []
    out = 0
    pos = 0
    for m in _DROP.finditer(folded):
        if m.start() > pos:
            if identity:  # the common case: the piece maps straight back
                new_norm.append(out)
                new_orig.append(pos)
            else:
                _append_piece(base, pos, m.start(), out, new_norm, new_orig)
            f_parts.append(folded[pos : m.start()])
            c_parts.append(cased[pos : m.start()])
            out += m.start() - pos
        pos = m.end()
    if pos < len(folded):
        if identity:
            new_norm.append(out)
            new_orig.append(pos)
        else:
            _append_piece(base, pos, len(folded), out, new_norm, new_orig)
        f_parts.append(folded[pos:])
        c_parts.append(cased[pos:])
    if not new_norm:
        new_norm, new_orig = [0], [n_orig]
    return NormText("".join(f_parts), "".join(c_parts), n_orig, (tuple(new_norm), tuple(new_orig)))


def _append_piece(
    base: NormText, start: int, end: int, out: int, seg_norm: list[int], seg_orig: list[int]
) -> None:
    """Record the kept piece base[start:end], placed at `out`, split at base segment edges."""
    i = start
    while i < end:
        k = bisect_right(base.seg_norm, i) - 1
        nxt = base.seg_norm[k + 1] if k + 1 < len(base.seg_norm) else end
        stop = min(end, nxt)
        seg_norm.append(out + (i - start))
        seg_orig.append(base.seg_orig[k] + (i - base.seg_norm[k]))
        i = stop


def _slow(text: str) -> NormText:
    """Per-character path for text that is not NFC or whose case mapping changes length."""
    folded: list[str] = []
    cased: list[str] = []
    seg_norm: list[int] = []
    seg_orig: list[int] = []
    i = 0
    n = len(text)
    while i < n:
        j = i + 1
        while j < n and unicodedata.combining(text[j]):
            j += 1
        cluster = unicodedata.normalize("NFC", text[i:j])
        for ch in cluster:
            if unicodedata.combining(ch):
                continue  # marks with no precomposed form (stress accents) are dropped
            ch = ch.translate(FOLD_TABLE)
            low = ch.lower()
            up = ch if len(low) == 1 else low
            for k, c in enumerate(low):
                seg_norm.append(len(folded))
                seg_orig.append(i)
                folded.append(c)
                cased.append(up[k])
        i = j
    if not seg_norm:
        seg_norm, seg_orig = [0], [0]
    return _drop("".join(folded), "".join(cased), n, tuple(seg_norm), tuple(seg_orig))
