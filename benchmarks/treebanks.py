"""Real annotated text for benchmarks/languages.py: Universal Dependencies treebanks.

Only train and dev splits are read as text; a test split is read only to drop
the sentences it shares with them, as those are kept for the product side's own
evaluation. The sentences left are split in two by their order: the even ones
were studied when the suffix tables were written ("learn"), the odd ones were
not ("held out"), so the held-out figures are the honest ones.

The treebanks are CC BY-SA (Ukrainian IU: CC BY-NC-SA) and are not part of the
project. They are read from, in this order:
- a folder given with --ud, holding the treebanks' repositories (UD_Armenian-ArmTDP/...)
  or their .conllu files;
- ../shared/corpus/ud/ (the same layout);
- git snapshots under /work/.mirror (`git show`), where a split too large for the
  snapshot is taken from the newest commit that has it.
Extra CoNLL-U files (text annotated elsewhere, e.g. Kazakh Wikipedia texts
disambiguated by hand in apertium-kaz's texts/, CC BY-SA) are read from
<folder>/extra/<code>.conllu.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from monitor.basics.normalize import unmix

REPOS = {
    "ru": ("UD_Russian-GSD", "ru_gsd"),
    "uk": ("UD_Ukrainian-IU", "uk_iu"),
    "be": ("UD_Belarusian-HSE", "be_hse"),
    "kk": ("UD_Kazakh-KTB", "kk_ktb"),
    "ky": ("UD_Kyrgyz-KTMU", "ky_ktmu"),
    "hy": ("UD_Armenian-ArmTDP", "hy_armtdp"),
    "az": ("UD_Azerbaijani-TueCL", "az_tuecl"),  # a test split only: nothing to read
    "ka": ("UD_Georgian-GLC", "ka_glc"),
}
SHARED = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "ud"
MIRROR = Path("/work/.mirror")


@dataclass(frozen=True)
class Word:
    start: int  # offsets in the sentence text
    end: int
    form: str
    lemma: str  # "" for a word left unannotated (counted neither way)
    proper: bool  # UPOS PROPN


@dataclass(frozen=True)
class Sentence:
    text: str
    words: tuple[Word, ...]

    @property
    def names(self) -> tuple[Word, ...]:
        return tuple(w for w in self.words if w.proper)


def sentences(code: str, ud: Path | None = None) -> tuple[list[Sentence], list[Sentence], str]:
    """(learn, held out, where from) for a language; empty when nothing is found."""
    repo, prefix = REPOS[code]
    texts: list[str] = []
    test: set[str] = set()
    where: list[str] = []
    for split in ("train", "dev", "test"):
        found = _read(repo, f"{prefix}-ud-{split}.conllu", ud)
        if found is None:
            continue
        content, origin = found
        if split == "test":
            test = {s.text for s in _parse(content)}
        else:
            texts.append(content)
            where.append(origin)
    for base in (ud, SHARED):
        extra = base / "extra" / f"{code}.conllu" if base else None
        if extra is not None and extra.exists():
            texts.append(extra.read_text(encoding="utf-8"))
            where.append(str(extra))
            break
    seen: set[str] = set()
    kept: list[Sentence] = []
    for content in texts:
        for s in _parse(content):
            if s.text in test or s.text in seen:
                continue
            seen.add(s.text)
            kept.append(s)
    return kept[0::2], kept[1::2], "; ".join(where)


def _read(repo: str, name: str, ud: Path | None) -> tuple[str, str] | None:
    for base in (ud, SHARED):
        if base is None:
            continue
        for p in (base / repo / name, base / name):
            if p.exists():
                return p.read_text(encoding="utf-8"), str(p)
    git = MIRROR / f"UniversalDependencies+{repo}" / "repo"
    if not git.exists():
        return None
    for rev in _revisions(git, name):
        out = subprocess.run(
            ["git", "-C", str(git), "show", f"{rev}:{name}"], capture_output=True, text=True
        )
        if out.returncode == 0:
            return out.stdout, f"{git}@{rev[:10]}:{name}"
    return None


def _revisions(git: Path, name: str) -> list[str]:
    """HEAD, then the commits that changed `name`, newest first (a snapshot lacks its
    largest files at HEAD but may hold an older, smaller version)."""
    log = subprocess.run(
        ["git", "-C", str(git), "log", "--format=%H", "--all", "--", name],
        capture_output=True,
        text=True,
    ).stdout.split()
    return ["HEAD", *log]


def _parse(content: str) -> Iterator[Sentence]:
    block: list[str] = []
    for line in [*content.split("\n"), ""]:
        if line.strip():
            block.append(line)
        elif block:
            s = _sentence(block)
            if s is not None:
                yield s
            block = []


def _sentence(lines: list[str]) -> Sentence | None:
    text = next((ln.split("=", 1)[1].strip() for ln in lines if ln.startswith("# text")), None)
    if not text:
        return None
    # Words are found in the text with Latin look-alikes made Cyrillic on both sides:
    # some treebank sentences type "Мiнск" with a Latin i in the text, not in the word.
    plain = unmix(text)
    words: list[Word] = []
    pos = 0
    span_end = -1  # the end of a multiword token's surface, for the words inside it
    span = (0, 0)
    for ln in lines:
        if ln.startswith("#"):
            continue
        cols = ln.split("\t")
        if len(cols) != 10 or "." in cols[0]:
            continue
        if "-" in cols[0]:  # a multiword token: its words share its surface
            a = plain.find(unmix(cols[1]), pos)
            if a >= 0:
                span, pos = (a, a + len(cols[1])), a + len(cols[1])
            span_end = int(cols[0].split("-")[1])
            continue
        if int(cols[0]) <= span_end:
            start, end = span
        else:
            a = plain.find(unmix(cols[1]), pos)
            if a < 0:
                continue
            start, end = a, a + len(cols[1])
            pos = end
        form, lemma, upos = cols[1], cols[2], cols[3]
        if upos == "X" and "Unknown=Yes" in cols[9]:
            words.append(Word(start, end, form, "", False))
        elif lemma not in ("_", ""):
            words.append(Word(start, end, form, lemma, upos == "PROPN"))
    return Sentence(text, tuple(words))
