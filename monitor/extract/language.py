"""An article's language: what the page declares, unless its text's letters say otherwise.

The region's languages can be told apart by their letters: Armenian and Georgian
by script, Kazakh by ә ғ қ ұ һ, Kyrgyz by ң ө ү without those, Belarusian by ў,
Ukrainian by ї є ґ (or і among и), Azerbaijani by ə. Where the letters are that
clear they win over a page's declaration, which is often the site's default (a
Kazakh article on a site declared "ru"). Otherwise the declaration stands, and a
page without one is Russian or English by its majority script.
"""

from __future__ import annotations

import re

SAMPLE = 3000  # characters of text looked at
# Share of a sample's letters a language's own letters must reach to decide it: a
# stray Armenian quotation in a Russian article decides nothing.
MIN_SHARE = 0.02

_ARMENIAN = re.compile(r"[\u0531-\u0587]")
_GEORGIAN = re.compile(r"[\u10a0-\u10ff\u1c90-\u1cbf]")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")
_KAZAKH = re.compile(r"[әғқұһӘҒҚҰҺ]")
_KAZAKH_OR_KYRGYZ = re.compile(r"[ңөүҢӨҮ]")
_BELARUSIAN = re.compile(r"[ўЎ]")
_UKRAINIAN = re.compile(r"[їєґЇЄҐ]")
_I = re.compile(r"[іІ]")
_RU_ONLY = re.compile(r"[ыэъЫЭЪ]")  # letters Ukrainian lacks
_AZERBAIJANI = re.compile(r"[əƏ]")


def text_language(text: str) -> str | None:
    """The language the letters of `text` decide, or None when they do not."""
    sample = text[:SAMPLE]
    letters = sum(map(str.isalpha, sample))
    if not letters:
        return None

    def share(pattern: re.Pattern[str]) -> float:
        return len(pattern.findall(sample)) / letters

    if share(_ARMENIAN) > 0.5:
        return "hy"
    if share(_GEORGIAN) > 0.5:
        return "ka"
    if share(_CYRILLIC) > 0.5:
        if share(_KAZAKH) >= MIN_SHARE / 2:
            return "kk"
        if share(_KAZAKH_OR_KYRGYZ) >= MIN_SHARE / 2:
            return "ky"
        if share(_BELARUSIAN) >= MIN_SHARE / 4:
            return "be"
        if share(_UKRAINIAN) >= MIN_SHARE / 4 or (
            share(_I) >= MIN_SHARE and share(_RU_ONLY) < MIN_SHARE / 4
        ):
            return "uk"
        return None
    # The rare letter first: counting every Latin letter costs more than the rest together.
    if share(_AZERBAIJANI) >= MIN_SHARE / 2 and share(_LATIN) > 0.5:
        return "az"
    return None


def guess_language(text: str, declared: str | None) -> str | None:
    """The article's language code (ISO 639-1 where the page gives one)."""
    found = text_language(text)
    if found is not None:
        return found
    if declared:
        return declared.lower()
    sample = text[:SAMPLE]
    cyr, lat = len(_CYRILLIC.findall(sample)), len(_LATIN.findall(sample))
    if cyr == lat == 0:
        return None
    return "ru" if cyr > lat else "en"
