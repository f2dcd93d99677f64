"""The only way out to the network: one guarded client for feeds, pages and robots.txt."""

from monitor.fetch.client import Fetcher, FetchPolicy

__all__ = ["FetchPolicy", "Fetcher"]
