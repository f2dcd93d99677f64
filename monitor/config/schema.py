"""The JSON Schema of monitor.yaml, for editors (yaml-language-server) and checks; made
from the settings model, so it says what load_settings accepts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from monitor.config.settings import Settings

# Beside the watchlist schema, in the package (the repository's schema/ links there).
SCHEMA = Path(__file__).resolve().parents[1] / "watchlists" / "schema" / "monitor.schema.json"


def monitor_schema() -> dict[str, Any]:
    schema = Settings.model_json_schema()
    for internal in ("base_dir", "source"):  # where the file is: not read from it
        schema["properties"].pop(internal, None)
    schema["title"] = "news-monitor monitor.yaml"
    return schema
