"""Sentence spans in original text, for snippets."""

from __future__ import annotations

import re

# A sentence ends at . ! ? … (with closing quotes/brackets) before whitespace, or at a
# line break; the whitespace after it belongs to no sentence.
_END = re.compile(r"""(?:([.!?…]+["'»”’)\]]*)(?=\s)|\n)\s*""")
_LAST_END = re.compile(r"""(?s:.*)(?:[.!?…]+["'»”’)\]]*\s|\n)""")
_SPACE = re.compile(r"\s+")
_LAST_SPACE = re.compile(r"(?s:.*)(\s+)")  # greedy: the last run of whitespace
MAX_SNIPPET = 320
# How far to look for a sentence's edges: snippets are cut to MAX_SNIPPET anyway.
_REACH = 2 * MAX_SNIPPET


def sentence_at(text: str, offset: int) -> tuple[int, int]:
    """The [start, end) of the sentence holding `offset`, trimmed of whitespace.

    Only a window around the offset is searched, so the cost is per match, not per text.
    """
    lo = max(0, offset - _REACH)
    back = _LAST_END.match(text, lo, offset)  # greedy: the last sentence end before offset
    start = back.end() if back else lo
    hi = min(len(text), offset + _REACH)
    m = _END.search(text, offset, hi)
    end = m.start() + len(m.group(1) or "") if m else hi
    while end > start and text[end - 1].isspace():
        end -= 1
    while start < end and text[start].isspace():
        start += 1
    return start, end


def window(text: str, s: int, e: int, focus_start: int, focus_end: int) -> tuple[int, int]:
    """Cut the sentence [s, e) of `text` to at most MAX_SNIPPET characters around the
    focus span, at word boundaries ("…rtment experts" reads as a fault)."""
    if e - s <= MAX_SNIPPET:
        return s, e
    half = (MAX_SNIPPET - (focus_end - focus_start)) // 2
    ws = max(s, focus_start - max(half, 0))
    we = min(e, ws + MAX_SNIPPET)
    ws = max(s, we - MAX_SNIPPET)
    if ws > s and not text[ws - 1].isspace():  # inside a word: from the next one
        cut = _SPACE.search(text, ws, focus_start)
        if cut:
            ws = cut.end()
    if we < e and not text[we].isspace():  # inside a word: to the one before
        cut = _LAST_SPACE.match(text, max(focus_end, ws), we)
        if cut:
            we = cut.start(1)
            while we > focus_end and text[we - 1].isspace():
                we -= 1
    return ws, we
