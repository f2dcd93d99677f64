from __future__ import annotations

from pathlib import Path

import pytest

from monitor.basics.units import parse_duration, parse_size
from monitor.config.feeds import FeedEntry, OpmlEntry
from monitor.config.settings import config_path, load_settings
from monitor.errors import ConfigError

PRODUCT_EXAMPLE = """\
database: sqlite:///data/monitor.db        # or postgresql+psycopg://user@host/db
watchlists: watchlists/                     # a folder of *.yaml (or a list of files)
fetch:
  allow_private_networks: false             # true only to poll feeds on localhost/LAN
  timeout: 20s
  max_bytes: 10MB
  user_agent: "news-monitor/1.0 (+https://example.org/bot)"
defaults:
  poll_every: 15m
feeds:
  - url: https://armenpress.am/eng/rss/
  - url: https://tass.com/rss/v2.xml
    every: 5m
    name: TASS
  - opml: feeds/caucasus.opml               # import a feed reader's export
  - sitemap: https://news.am/sitemap-news.xml   # a news sitemap (Google News format or lastmod)
  - telegram: armenpress                    # a public Telegram channel, read from its web preview
  - page: https://www.azatutyun.am/news     # a section page of a site with neither feed nor sitemap
subscriptions:
  - name: security-desk
    notify:                                 # apprise URLs; ${VAR} comes from the environment
      - "mailtos://${SMTP_USER}:${SMTP_PASSWORD}@smtp.example.org?to=desk@example.org"
      - "${SLACK_WEBHOOK_URL}"
    watchlists: [south-caucasus]            # default: all watchlists
    schedule: "0 8 * * *"                   # cron, or "immediate"
    timezone: Asia/Yerevan
admin:
  notify: ["${ADMIN_NOTIFY_URL}"]           # operator notices: feeds down/recovered, dead deliveries, spikes sent
  feed_down_after: 6h
http:
  listen: 127.0.0.1:8089                    # /healthz, /readyz, /metrics and the read-only web page; null: off
  public_url: https://monitor.example.org   # optional: where WebSub hubs push feeds that name a hub
  token: ${MONITOR_TOKEN}                   # required when listening beyond loopback
retention:
  articles: 90d                             # older article texts are removed; hits keep their snippets
  hits: 365d
"""
ENV = {
    "ADMIN_NOTIFY_URL": "json://ops.example/hook",
    "MONITOR_TOKEN": "token-from-env",
    "SMTP_USER": "u",
    "SMTP_PASSWORD": "p@ss",
    "SLACK_WEBHOOK_URL": "https://hooks.slack.com/services/T1/B2/C3",
}


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "monitor.yaml"
    p.write_text(text, encoding="utf-8")
    return p


@pytest.mark.parametrize(
    ("text", "seconds"), [("30s", 30), ("15m", 900), ("2h", 7200), ("1d", 86400), ("1.5m", 90)]
)
def test_durations(text: object, seconds: int) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("bad", ["15", "15 minutes", "-5m", "0s", "m", True, 45, 1.5])
def test_bad_durations(bad: object) -> None:
    with pytest.raises(ValueError):
        parse_duration(bad)


def test_sizes() -> None:
    assert parse_size("500KB") == 500 * 1024
    assert parse_size("10MB") == 10 * 1024 * 1024
    for bad in ("10 parsecs", 10, "10"):
        with pytest.raises(ValueError):
            parse_size(bad)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "defaults:\n  poll_every: 15\n",
            ":2:3: defaults.poll_every: 15 has no unit: write 15s, 15m, 15h or 15d",
        ),
        (
            "fetch:\n  max_bytes: 10\n",
            ":2:3: fetch.max_bytes: 10 has no unit: write 10B, 10KB or 10MB",
        ),
        (
            "feeds:\n  - url: https://a.example/rss\n    every: 5\n",
            ":3:5: feeds.0.every: 5 has no unit",
        ),
    ],
)
def test_a_bare_number_is_asked_for_its_unit(tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        load_settings(path)
    assert f"{path}{expected}" in str(err.value)


def test_product_example_loads(tmp_path: Path) -> None:
    s = load_settings(write(tmp_path, PRODUCT_EXAMPLE), environ=ENV)
    assert s.fetch.timeout == 20 and s.fetch.max_bytes == 10 * 1024 * 1024
    assert s.defaults.poll_every == 900
    assert (
        isinstance(s.feeds[1], FeedEntry) and s.feeds[1].every == 300 and s.feeds[1].name == "TASS"
    )
    assert isinstance(s.feeds[2], OpmlEntry)
    sub = s.subscriptions[0]
    assert sub.notify[0] == "mailtos://u:p@ss@smtp.example.org?to=desk@example.org"
    assert sub.notify[1] == ENV["SLACK_WEBHOOK_URL"]
    assert sub.watchlists == ["south-caucasus"] and sub.timezone == "Asia/Yerevan"
    # relative paths resolve against the config file's folder
    assert s.database_url == f"sqlite:///{(tmp_path / 'data/monitor.db').resolve()}"
    assert s.watchlist_paths == [tmp_path.resolve() / "watchlists/"]
    assert s.admin.notify == ["json://ops.example/hook"] and s.admin.feed_down_after == 6 * 3600
    assert s.http.listen == "127.0.0.1:8089" and s.http.token == "token-from-env"
    assert (s.retention.articles, s.retention.hits) == (90 * 86400, 365 * 86400)


def test_missing_variable_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        load_settings(
            write(tmp_path, PRODUCT_EXAMPLE),
            environ={k: v for k, v in ENV.items() if k != "SLACK_WEBHOOK_URL"},
        )
    assert "SLACK_WEBHOOK_URL" in str(err.value)
    assert "monitor.yaml:23:9:" in str(err.value)


def test_variables_only_in_notify_and_database(tmp_path: Path) -> None:
    text = "database: ${DB}\nfetch:\n  user_agent: 'bot ${DB}'\n"
    s = load_settings(write(tmp_path, text), environ={"DB": "sqlite:///x.db"})
    assert s.database == "sqlite:///x.db"
    assert s.fetch.user_agent == "bot ${DB}"  # stays literal


def test_unknown_key_names_key_and_line(tmp_path: Path) -> None:
    text = "fetch:\n  timeout: 20s\n  timeuot: 5s\nfeeds:\n  - url: https://a.example/rss\n    evry: 5m\n"
    with pytest.raises(ConfigError) as err:
        load_settings(write(tmp_path, text))
    msg = str(err.value)
    assert "monitor.yaml:3:3: fetch.timeuot: unknown key 'timeuot'" in msg
    assert "monitor.yaml:6:5: feeds.0.evry: unknown key 'evry'" in msg


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("fetch:\n  timeout: soon\n", "monitor.yaml:2:3: fetch.timeout: 'soon' is not a duration"),
        ("fetch:\n  max_bytes: lots\n", "fetch.max_bytes: 'lots' is not a size"),
        (
            "feeds:\n  - url: file:///etc/passwd\n",
            "feeds.0.url: 'file:///etc/passwd' is not an http(s) URL",
        ),
        ("subscriptions:\n  - name: a\n    schedule: every day\n", "subscriptions.0.schedule"),
        (
            "subscriptions:\n  - name: a\n    timezone: Mars/Olympus\n",
            "unknown time zone 'Mars/Olympus'",
        ),
        ("subscriptions:\n  - name: a\n  - name: a\n", "used twice"),
        ("- just\n- a list\n", "must be a mapping"),
        ("fetch: [unclosed\n", "invalid YAML"),
        ("a: &x 1\nb: *x\n", "anchors and aliases are not allowed"),
        ("database: !!python/object/apply:os.system ['true']\n", "monitor.yaml"),
    ],
)
def test_errors_say_what_and_where(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_settings(write(tmp_path, text))
    assert expected in str(err.value)


def test_immediate_schedule(tmp_path: Path) -> None:
    s = load_settings(write(tmp_path, "subscriptions:\n  - name: a\n    schedule: Immediate\n"))
    assert s.subscriptions[0].schedule == "immediate"


def test_monitor_config_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MONITOR_CONFIG", "/etc/monitor/custom.yaml")
    assert config_path(None) == Path("/etc/monitor/custom.yaml")
    assert config_path("other.yaml") == Path("other.yaml")


def test_bundled_config_is_valid() -> None:
    s = load_settings(Path(__file__).parent.parent / "monitor.yaml")
    assert len(s.feeds) >= 8
    assert s.subscriptions and not s.subscriptions[0].notify  # digests go to files and the log


def test_a_feed_with_both_url_and_opml_says_so(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "feeds:\n  - url: https://a.example/rss\n  - url: https://b.example/rss\n    opml: x.opml\n",
    )
    with pytest.raises(ConfigError) as err:
        load_settings(path)
    assert str(err.value) == (
        f"{path}:3:5: feeds.1: an entry names one source "
        "(url:, opml:, sitemap:, telegram:, page:), not url: and opml:"
    )


def test_each_source_kind_is_read_with_its_defaults(tmp_path: Path) -> None:
    from monitor.config.sources import feed_sources

    s = load_settings(write(tmp_path, PRODUCT_EXAMPLE.replace("  - opml:", "  # - opml:")), ENV)
    assert s.http.public_url == "https://monitor.example.org"
    kinds = {(f.kind, f.url, f.name, f.interval_s) for f in feed_sources(s)}
    assert kinds >= {
        ("sitemap", "https://news.am/sitemap-news.xml", None, 900),
        ("telegram", "https://t.me/s/armenpress", "@armenpress", 900),
        ("page", "https://www.azatutyun.am/news", None, 900),
        ("feed", "https://tass.com/rss/v2.xml", "TASS", 300),
    }


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ("  - sitemap: news.am/sitemap.xml", ":2:5: feeds.0.sitemap: 'news.am/sitemap.xml' is not"),
        ("  - page: ftp://x.example/", ":2:5: feeds.0.page: 'ftp://x.example/' is not an http"),
        ("  - telegram: 'a b'", ":2:5: feeds.0.telegram: "),
        ("  - telegram: armenpress\n    every: 5", ":3:5: feeds.0.every: 5 has no unit"),
        ("  - sitemap: https://a.example/s.xml\n    page: https://a.example/", ":2:5: feeds.0: "),
        ("  - page: https://a.example/\n    colour: red", ":3:5: feeds.0.colour: unknown key"),
    ],
)
def test_a_bad_source_is_named_with_its_line(tmp_path: Path, entry: str, expected: str) -> None:
    path = write(tmp_path, f"feeds:\n{entry}\n")
    with pytest.raises(ConfigError) as err:
        load_settings(path)
    assert f"{path}{expected}" in str(err.value)


def test_a_public_url_must_be_http(tmp_path: Path) -> None:
    path = write(tmp_path, "http:\n  public_url: monitor.example.org\n")
    with pytest.raises(ConfigError) as err:
        load_settings(path)
    assert f"{path}:2:3: http.public_url: 'monitor.example.org' is not an http(s) URL" in str(
        err.value
    )


def test_the_shipped_schema_of_monitor_yaml_is_current() -> None:
    import json

    from monitor.config.schema import SCHEMA, monitor_schema

    shipped = json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert shipped == json.loads(json.dumps(monitor_schema()))
    feeds = json.dumps(shipped["properties"]["feeds"])
    for kind in ("SitemapEntry", "TelegramEntry", "PageEntry", "FeedEntry", "OpmlEntry"):
        assert kind in feeds


@pytest.mark.parametrize(
    ("yaml", "zone"),
    [
        ("", "UTC"),
        ("subscriptions:\n  - name: a\n    notify: []\n    timezone: Asia/Baku\n", "Asia/Baku"),
        (
            "http:\n  timezone: Asia/Tbilisi\n"
            "subscriptions:\n  - name: a\n    notify: []\n    timezone: Asia/Baku\n",
            "Asia/Tbilisi",
        ),
    ],
)
def test_the_page_shows_times_in_http_timezone_else_the_first_subscriptions(
    tmp_path: Path, yaml: str, zone: str
) -> None:
    cfg = tmp_path / "monitor.yaml"
    cfg.write_text(yaml)
    assert load_settings(cfg).page_timezone == zone


def test_an_unknown_page_timezone_is_an_error_naming_where(tmp_path: Path) -> None:
    cfg = tmp_path / "monitor.yaml"
    cfg.write_text("http:\n  timezone: Mars/Olympus\n")
    with pytest.raises(
        ConfigError, match=r"monitor.yaml:2:3: http.timezone: unknown time zone 'Mars/Olympus'"
    ):
        load_settings(cfg)
