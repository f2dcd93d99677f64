"""Normalise text, find aliases, evaluate rules, cut snippets."""

from monitor.match.matcher import Matcher, document

__all__ = ["Matcher", "document"]
