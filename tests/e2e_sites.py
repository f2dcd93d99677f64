"""The sample sites plus feeds that exercise deduplication and the feed-summary fallback."""

from __future__ import annotations

from monitor.demo.server import LocalServer, site_route
from monitor.demo.sites import load_sites

MIRROR = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Mirror</title>
<item><title>Armenia keeps its CSTO participation frozen</title>
<link>{base}/caucasus-herald/armenia-csto-participation.html?fbclid=XYZ&amp;utm_campaign=share</link>
<guid>mirror-1</guid><description>Copy of the Herald story.</description></item>
<item><title>Shelling reported near Stepanakert</title>
<link>{base}/gone/stepanakert.html</link><guid>mirror-2</guid>
<description>Residents of Stepanakert reported shelling overnight, local officials in Karabakh said.</description></item>
</channel></rss>"""


def e2e_server() -> LocalServer:
    sites = load_sites()
    holder: list[LocalServer] = []
    sites_route = site_route(sites, lambda: holder[0].base, "?utm_source=rss&utm_medium=feed")

    def route(path: str) -> tuple[int, str, bytes] | None:
        if path == "/mirror/feed.xml":
            return 200, "application/rss+xml", MIRROR.format(base=holder[0].base).encode()
        return sites_route(path)

    server = LocalServer(route)
    holder.append(server)
    return server


def feed_urls(base: str) -> list[str]:
    return [f"{base}/{slug}/feed.xml" for slug in load_sites()] + [f"{base}/mirror/feed.xml"]
