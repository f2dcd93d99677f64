"""The only way out to the network."""

from monitor.fetch.client import Fetcher
from monitor.fetch.guard import check_url

__all__ = ["Fetcher", "check_url"]
