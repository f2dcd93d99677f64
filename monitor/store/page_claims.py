"""Page claims: an article page one daemon is fetching, so the others leave it alone.

A claim is taken before the page is fetched and given back once the article is
stored; a daemon that dies keeps its claims only until they expire.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from sqlalchemy import delete

from monitor.identity.fingerprint import key_hash
from monitor.store.base import StoreBase, chunks, table
from monitor.store.tables import PageClaimRow


class PagesMixin(StoreBase):
    def claim_pages(self, owner: str, urls: Iterable[str], lease: timedelta) -> set[str]:
        """Of these article URLs, those `owner` may fetch now: newly claimed, claimed
        before by `owner`, or left by a daemon whose claim has expired."""
        by_hash = {key_hash(u): u for u in urls}
        if not by_hash:
            return set()
        now = self.clock()
        claim = table(PageClaimRow)
        mine: set[str] = set()
        with self.writing() as s:
            for chunk in chunks(list(by_hash), 200):
                stmt = self.insert(claim).values(
                    [{"url_hash": h, "owner": owner, "until": now + lease} for h in chunk]
                )
                stmt = stmt.on_conflict_do_update(
                    index_elements=["url_hash"],
                    set_={"owner": owner, "until": now + lease},
                    where=(claim.c.until < now) | (claim.c.owner == owner),
                ).returning(claim.c.url_hash)
                mine.update(by_hash[h] for (h,) in s.connection().execute(stmt).all())
        return mine

    def release_all_pages(self, owner: str) -> None:
        """Give back every page `owner` claimed (a daemon known to be gone)."""
        claim = table(PageClaimRow)
        with self.writing() as s:
            s.connection().execute(delete(claim).where(claim.c.owner == owner))

    def release_pages(self, owner: str, urls: Iterable[str]) -> None:
        """Give back `owner`'s claims on these URLs (their articles are stored, or failed)."""
        hashes = [key_hash(u) for u in urls]
        if not hashes:
            return
        claim = table(PageClaimRow)
        with self.writing() as s:
            for chunk in chunks(hashes):
                s.connection().execute(
                    delete(claim).where(claim.c.url_hash.in_(chunk), claim.c.owner == owner)
                )
