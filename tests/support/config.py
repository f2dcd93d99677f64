"""A monitor.yaml for end-to-end tests: local feeds, the bundled watchlists."""

from __future__ import annotations

from pathlib import Path

from monitor.watchlists.load import BUNDLED


def write_config(
    tmp_path: Path, db_url: str, feeds: list[str], notify: list[str], schedule: str = "0 8 * * *"
) -> Path:
    feed_lines = "\n".join(f"  - url: {u}" for u in feeds)
    notify_lines = "\n".join(f'      - "{u}"' for u in notify)
    cfg = tmp_path / "monitor.yaml"
    cfg.write_text(
        f"""database: {db_url}
watchlists: {BUNDLED}
fetch:
  allow_private_networks: true
  timeout: 10s
http:
  listen: 127.0.0.1:0
feeds:
{feed_lines}
subscriptions:
  - name: security-desk
    notify:
{notify_lines}
    schedule: "{schedule}"
    timezone: Asia/Yerevan
""",
        encoding="utf-8",
    )
    return cfg
