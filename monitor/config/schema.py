"""The JSON Schema of monitor.yaml, for editors (yaml-language-server) and checks; made
from the settings model, so it says what load_settings accepts."""

from __future__ import annotations

from typing import Any

from monitor.config.settings import Settings
from monitor.packagedata import SCHEMAS

# Beside the watchlist schema, in schema/ at the top of the project.
SCHEMA = SCHEMAS / "monitor.schema.json"


def monitor_schema() -> dict[str, Any]:
    schema = Settings.model_json_schema()
    for internal in ("base_dir", "source"):  # where the file is: not read from it
        schema["properties"].pop(internal, None)
    schema["title"] = "news-monitor monitor.yaml"
    return schema
