"""The HTTP listener: health checks, Prometheus metrics and the read-only web page."""
