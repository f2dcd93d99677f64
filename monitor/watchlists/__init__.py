"""Watchlist files: the model, the rule language, loading with file:line:col errors, the
live set that reloads edited files; the bundled watchlists and their JSON Schema."""
