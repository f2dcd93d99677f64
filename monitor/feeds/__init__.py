"""Feed bytes -> entries (feedparser, given bytes only)."""
