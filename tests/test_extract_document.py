"""A page is parsed into the tree trafilatura's load_html gives for its text, whether or
not it holds characters XML forbids, in every charset."""

from __future__ import annotations

import pytest
from lxml import etree
from trafilatura.utils import load_html

from monitor.extract import document
from monitor.extract.document import decode_html, parse_document
from tests.conftest import FIXTURES

ARTICLE = "<p>Генсек ОДКБ прибыл в Ереван. Hayastan və Azərbaycan.</p>"


def _as_trafilatura(body: bytes, content_type: str | None) -> bytes | None:
    tree = load_html(decode_html(body, content_type))
    return None if tree is None else etree.tostring(tree)


def _ours(body: bytes, content_type: str | None) -> bytes | None:
    text, tree = parse_document(body, content_type)
    assert text == decode_html(body, content_type)
    return None if tree is None else etree.tostring(tree)


def test_the_fixture_pages_parse_as_trafilatura_parses_them() -> None:
    pages = sorted((FIXTURES / "pages").glob("*.html"))
    assert pages
    for page in pages:
        body = page.read_bytes()
        assert _ours(body, "text/html; charset=utf-8") == _as_trafilatura(
            body, "text/html; charset=utf-8"
        ), page.name


@pytest.mark.parametrize(
    ("markup", "charset"),
    [
        (f"<html><body>{ARTICLE}</body></html>", "utf-8"),
        # forbidden characters, which the clean path must not be taken for
        (f"<html><body>{ARTICLE}\x0b\x00\x1f</body></html>", "utf-8"),
        (f"<html><body>{ARTICLE}\ufffe\uffff</body></html>", "utf-8"),
        ("<html><body><p>Генсек ОДКБ\x0c прибыл.</p></body></html>", "windows-1251"),
        (f"<html><body>{ARTICLE}\x07</body></html>", "utf-16"),
        # load_html's repairs: a DOCTYPE with a slash, a self-closing <html/>
        (
            '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0//EN">\n'
            f"<html><body>{ARTICLE}</body></html>",
            "utf-8",
        ),
        (f'<html lang="ru"/>\n<body>{ARTICLE}</body>', "utf-8"),
        # an encoding declaration in the text: parsed as bytes
        (f'<?xml version="1.0" encoding="utf-8"?><html><body>{ARTICLE}</body></html>', "utf-8"),
        # not HTML: no tree
        ("just some words", "utf-8"),
        ("<p>one paragraph alone</p>", "utf-8"),
        ("", "utf-8"),
    ],
)
def test_odd_pages_parse_as_trafilatura_parses_them(markup: str, charset: str) -> None:
    body = markup.encode(charset, "surrogatepass")
    for content_type in (f"text/html; charset={charset}", None):
        assert _ours(body, content_type) == _as_trafilatura(body, content_type)


def test_forbidden_characters_are_dropped_in_every_charset() -> None:
    for charset in ("utf-8", "windows-1251", "koi8-r", "utf-16"):
        body = "<html><body><p>ОДКБ\x0bсаммит</p></body></html>".encode(charset)
        text, tree = parse_document(body, f"text/html; charset={charset}")
        assert "\x0b" in text and tree is not None
        assert tree.findtext(".//p") == "ОДКБсаммит", charset


def test_only_codecs_that_keep_ascii_bytes_take_the_clean_path() -> None:
    assert document._ascii_as_bytes("utf-8") and document._ascii_as_bytes("UTF8")
    assert document._ascii_as_bytes("windows-1251") and document._ascii_as_bytes("koi8-r")
    assert document._ascii_as_bytes("latin-1")
    assert not document._ascii_as_bytes("utf-16")
    assert not document._ascii_as_bytes("cp037")  # EBCDIC
    # b"+AAs-" is a vertical tab in UTF-7: bytes without a control can decode to one
    assert "\x0b" in b"+AAs-".decode("utf-7")
    assert not document._ascii_as_bytes("utf-7")
