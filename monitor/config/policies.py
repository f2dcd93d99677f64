"""Settings turned into the values the stages take: the fetcher's policy, the parser
workers' limits, and whether the listener may start as configured."""

from __future__ import annotations

from monitor.config.settings import Settings
from monitor.errors import ConfigError
from monitor.extract.sandbox import SandboxLimits
from monitor.fetch.client import FetchPolicy


def fetch_policy(settings: Settings) -> FetchPolicy:
    f = settings.fetch
    return FetchPolicy(
        timeout_s=float(f.timeout),
        max_bytes=f.max_bytes,
        user_agent=f.user_agent,
        allow_private_networks=f.allow_private_networks,
        concurrency=f.concurrency,
        per_host=f.per_host,
        proxy=f.proxy,
    )


def sandbox_limits(settings: Settings) -> SandboxLimits:
    f = settings.fetch
    return SandboxLimits(
        workers=f.parse_workers or SandboxLimits().workers,
        deadline_s=float(f.parse_timeout),
        memory_bytes=f.parse_memory,
    )


def check_listener(settings: Settings) -> None:
    """A page anyone on the network can read must ask for a token."""
    http = settings.http
    if http.exposed() and not http.token:
        raise ConfigError(
            f"{settings.where(['http', 'listen'])}: http.listen: {http.listen} is reachable "
            "beyond this machine and http.token is not set: set http.token (for example "
            "token: ${MONITOR_TOKEN}) or listen on 127.0.0.1"
        )
