"""The demo's sample sites on a local server, plus a feed that exercises deduplication
and the feed-summary fallback."""

from __future__ import annotations

from monitor.demo.server import site_route
from monitor.demo.sites import load_sites
from tests.support.httpd import Reply, ScriptedServer

MIRROR = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Mirror</title>
<item><title>Armenia keeps its CSTO participation frozen</title>
<link>{base}/caucasus-herald/armenia-csto-participation.html?fbclid=XYZ&amp;utm_campaign=share</link>
<guid>mirror-1</guid><description>Copy of the Herald story.</description></item>
<item><title>Shelling reported near Stepanakert</title>
<link>{base}/gone/stepanakert.html</link><guid>mirror-2</guid>
<description>Residents of Stepanakert reported shelling overnight, local officials in Karabakh said.</description></item>
</channel></rss>"""


def e2e_server() -> ScriptedServer:
    """The sample sites (feed links with tracking parameters) and /mirror/feed.xml."""
    holder: list[ScriptedServer] = []
    sites = site_route(load_sites(), lambda: holder[0].base, "?utm_source=rss&utm_medium=feed")

    def script(path: str, headers: dict[str, str]) -> Reply:
        if path == "/mirror/feed.xml":
            body = MIRROR.format(base=holder[0].base).encode()
            return Reply(200, body, {"Content-Type": "application/rss+xml"})
        got = sites(path)
        if got is None:
            return Reply(404)
        status, ctype, body = got
        return Reply(status, body, {"Content-Type": ctype})

    server = ScriptedServer(script)
    holder.append(server)
    return server


def feed_urls(base: str) -> list[str]:
    return [f"{base}/{slug}/feed.xml" for slug in load_sites()] + [f"{base}/mirror/feed.xml"]
