"""news-monitor: watches news feeds and sends digests of what was said."""

__version__ = "0.1.0"
