"""Matching: normalise text, find aliases (with word forms and typos), evaluate rules, cut
snippets, explain a match, run watchlist examples."""
