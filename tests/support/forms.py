"""A language's forms of an alias, spelled out, for the tables of tests/test_lang_*.py."""

from __future__ import annotations

from monitor.match.lang.base import Language


def forms_of(language: Language, alias: str) -> set[str]:
    """Every word `language` lets the alias's stems and endings spell."""
    return {s.text + e for s in language.inflect(alias) for e in s.endings}


def rules_of(language: Language, alias: str) -> dict[str, str]:
    """Each of those words and the rule that makes it."""
    return {s.text + e: r for s in language.inflect(alias) for e, r in s.endings.items()}
