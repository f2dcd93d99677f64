"""One Aho-Corasick automaton over every alias, phrase and exclusion of every watchlist.

The cost of a scan depends on the text, not on how many aliases there are.
ahocorasick_rs returns every overlapping match of a text in one native call; a
DFA is used while it stays small (up to DFA_MAX_KEYS keys, about 30 MB), the
library's compact automaton beyond (a DFA of 180,000 keys takes over 1 GB).

The automaton holds each alias and the stems of its word forms (`lang/`): a raw
hit is a mention when it starts a word and either ends one or is followed by one
of its stem's endings and then the end of the word ("Ղարաբաղ" + "ում"). Each is
checked for capitals where the alias asks (an acronym in capitals; a capitalised
alias at a capitalised word), and extended to the word end for a trailing `*`.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from typing import NamedTuple

import ahocorasick_rs

from monitor.basics.normalize import NormText, is_word_char
from monitor.match.keys import ENTITY, EXCLUDE, MASK, PHRASE, Keys, Pattern
from monitor.match.lang.feminine import woman_here
from monitor.watchlists.model import Watchlist

__all__ = ["ENTITY", "EXCLUDE", "MASK", "PHRASE", "Engine", "Mention", "Pattern"]

DFA_MAX_KEYS = 5000
_WORD_RUN = re.compile(r"\w*")
_HYPHENS = frozenset("-\u2010\u2011\u2012\u2013\u2212")
_NOTHING: dict[str, int] = {}  # no words before a key that needs none; never written to


class Mention(NamedTuple):  # a tuple: made for every raw match, so made cheaply
    pattern: Pattern
    start: int  # in normalised text
    end: int
    stem_end: int  # where the automaton's key ended; an ending runs from here to `end`


class Engine:
    def __init__(self, watchlists: Sequence[Watchlist]) -> None:
        self.watchlists = tuple(watchlists)
        built = Keys(self.watchlists)
        self._pats, self._befores, self._reach = built.patterns, built.befores, built.reach
        self._tails = built.tails
        keys = built.keys
        del built  # the keys live on in the automaton only
        self._auto = (
            ahocorasick_rs.AhoCorasick(
                keys,
                implementation=(
                    ahocorasick_rs.Implementation.DFA if len(keys) <= DFA_MAX_KEYS else None
                ),
            )
            if keys
            else None
        )

    def scan(self, text: NormText, source: str | None = None) -> list[Mention]:
        """Every mention in `text`; `source`, the text before normalisation, lets an
        acronym's suffix after a hyphen or an apostrophe count as part of it (ՀԱՊԿ-ի)."""
        if self._auto is None:
            return []
        folded, n = text.folded, len(text.folded)
        pats_of, befores_of, reach_of, tails_of = (
            self._pats,
            self._befores,
            self._reach,
            self._tails,
        )
        out: list[Mention] = []
        for idx, start, end in self._auto.find_matches_as_indexes(folded, overlapping=True):
            if start > 0:
                c = folded[start - 1]
                if c.isalnum() or c == "_":
                    continue  # inside a word: "Rasputin"
            word_goes_on = end < n and (folded[end].isalnum() or folded[end] == "_")
            word_end = -1
            reach = reach_of[idx]
            preceding = (
                _preceding(folded, start, reach, befores_of[idx])
                if reach and start > 1 and folded[start - 2] in tails_of[idx]
                else _NOTHING
            )
            for pat in pats_of[idx]:
                stop, first = end, start
                if pat.before is not None:
                    # the last word of a name: one of its words before must stand there
                    if not preceding:
                        break  # the patterns left all need them
                    first = next((preceding[b] for b in pat.before if b in preceding), -1)
                    if first < 0:
                        continue
                if pat.prefix:
                    stop = _WORD_RUN.match(folded, end).end()  # type: ignore[union-attr]
                elif word_goes_on:
                    if pat.endings is None:
                        continue
                    if word_end < 0:
                        word_end = _WORD_RUN.match(folded, end).end()  # type: ignore[union-attr]
                    if folded[end:word_end] not in pat.endings:
                        continue
                    stop = word_end
                elif pat.endings is not None:
                    if pat.cased is not None and source is not None and end < n:
                        stop = _separated_ending(text, source, end, pat.endings)
                    elif "" not in pat.endings:
                        continue  # this stem is no word without an ending
                if pat.cased is not None:
                    if text.cased[start:end] != pat.cased:
                        continue
                    if word_goes_on and not text.cased[end].islower() and not _headline(text, stop):
                        continue  # inside another word in capitals
                elif pat.capital and text.cased[first].islower():
                    continue  # «роман» (a novel) is not Роман
                if (
                    pat.feminine
                    and folded[end:stop] in pat.feminine
                    and woman_here(text.cased, start, stop)
                ):
                    continue  # "Мехрибан Алиева" is not the man
                out.append(Mention(pat, first, stop, end))
        return out


def _preceding(
    folded: str, start: int, reach: int, befores: Collection[str] | None
) -> dict[str, int]:
    """The runs of up to `reach` words right before `start` that are in `befores`,
    each with where it begins: at a space, or at a word's first letter after a quote
    or a bracket («Газпром-медиа», "The Beatles")."""
    found: dict[str, int] = {}
    j = start
    for _ in range(reach):
        if j == 0 or folded[j - 1] != " ":
            break
        k = folded.rfind(" ", 0, j - 1) + 1
        lead = k
        while lead < j - 1 and not is_word_char(folded[lead]):
            lead += 1
        for i in {k, lead}:
            words = folded[i:start]
            if befores is not None and words in befores:
                found[words] = i
        j = k
    return found


def _headline(text: NormText, stop: int) -> bool:
    """The word ending at `stop` is followed by a word in capitals: a headline, where an
    acronym's suffix is in capitals too ("ЖККУНУН САММИТИ")."""
    nxt = _WORD_RUN.match(text.folded, stop + 1).end()  # type: ignore[union-attr]
    word = text.cased[stop + 1 : nxt]
    return len(word) > 1 and word.isupper()


def _separated_ending(text: NormText, source: str, end: int, endings: frozenset[str]) -> int:
    """Where the word ends when an ending follows after a hyphen or an apostrophe
    (ՀԱՊԿ-ի, KTMT'nin); `end` when none does."""
    sep = text.folded[end]
    if sep not in " '":
        return end
    stop = _WORD_RUN.match(text.folded, end + 1).end()  # type: ignore[union-attr]
    if stop == end + 1 or text.folded[end + 1 : stop] not in endings:
        return end
    if sep == " " and source[text.orig(end)] not in _HYPHENS:
        return end  # a space, not a hyphen: the next word is a word of its own
    return stop
