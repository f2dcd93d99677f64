"""The log is one JSON object per line, whoever writes it: ours, apprise's, httpx's."""

from __future__ import annotations

import json
import logging
import re
from functools import partial
from pathlib import Path

import pytest
import structlog

from monitor.digest.build import build_digest
from monitor.digest.deliver import destinations, send
from monitor.digest.render import render
from monitor.errors import DeliveryError
from tests.support.net import WebhookReceiver
from tests.test_digest import LABELS, NOW, hit


def lines(err: str) -> list[dict[str, object]]:
    out = err.strip().splitlines()
    assert out, "nothing logged"
    return [json.loads(line) for line in out]  # each line must be one JSON object


def test_library_warnings_are_json_lines_too(
    info_logs: None, capsys: pytest.CaptureFixture[str]
) -> None:
    structlog.get_logger().info("ours", n=1)
    logging.getLogger("apprise").warning("Failed to send to %s: error=%d.", "x", 503)
    logging.getLogger("httpx").info("HTTP Request: GET https://a.example/ 200 OK")  # below
    got = lines(capsys.readouterr().err)
    assert [(x["event"], x["level"]) for x in got] == [
        ("ours", "info"),
        ("Failed to send to x: error=503.", "warning"),
    ]
    assert got[1]["logger"] == "apprise" and "timestamp" in got[1]


def test_a_failed_delivery_is_logged_once_per_writer_with_one_timestamp(
    info_logs: None, capsys: pytest.CaptureFixture[str], webhook: WebhookReceiver
) -> None:
    webhook.status = 503
    [dest] = destinations([webhook.url()], Path("/nonexistent"))
    with pytest.raises(DeliveryError) as err:
        send(
            dest,
            partial(render, build_digest("desk", [hit(1)], LABELS, None, NOW), "UTC"),
            1,
            Path("/x"),
        )
    assert "503" in str(err.value)
    # apprise's own timestamp and level are not repeated inside our message
    assert not re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d|WARNING", str(err.value))
    for line in lines(capsys.readouterr().err):
        assert line["logger"] == "apprise"
