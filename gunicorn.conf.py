"""gunicorn's settings for the store (read from the working directory by `gunicorn
project.wsgi`); each can be changed from the environment. See docs/deploy.md."""

import os

bind = f"{os.environ.get('HOST', '0.0.0.0')}:{os.environ.get('PORT', '8000')}"  # noqa: S104
# Synchronous workers: each request holds one database connection (kept for CONN_MAX_AGE).
workers = int(os.environ.get("WEB_CONCURRENCY", (os.cpu_count() or 1) * 2 + 1))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))  # > MERCADOPAGO_TIMEOUT
graceful_timeout = 30
# Import the store once, in the master, before forking: a new worker starts warm instead of
# spending ~1.6 s of CPU importing Django and the apps. (Code changes need a restart, not HUP.)
preload_app = True
# Workers are not recycled by default: each recycle costs a cold first page and drops the
# worker's catalogue fragment cache, and under load a low limit restarted workers every few
# seconds (p95 of a bare view went from 7 ms to 3 s). Set GUNICORN_MAX_REQUESTS to recycle now
# and then (a leak to contain); a tenth of it is added as jitter so workers do not all go at once.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "0"))
max_requests_jitter = max_requests // 10
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
errorlog = "-"
# gunicorn's control socket is one path per user; several stores on one host would share it.
control_socket_disable = True
# No access log of gunicorn's own: the store logs each request as one structured line
# (project.logging.RequestLogMiddleware, LOG_REQUESTS).
accesslog = None
