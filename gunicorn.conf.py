"""gunicorn's settings for the store (read from the working directory by `gunicorn
project.wsgi`); each can be changed from the environment. See docs/deploy.md."""

import os

bind = f"{os.environ.get('HOST', '0.0.0.0')}:{os.environ.get('PORT', '8000')}"  # noqa: S104
# Synchronous workers: each request holds one database connection (kept for CONN_MAX_AGE).
workers = int(os.environ.get("WEB_CONCURRENCY", (os.cpu_count() or 1) * 2 + 1))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))  # > MERCADOPAGO_TIMEOUT
graceful_timeout = 30
max_requests = 2000  # recycle workers now and then
max_requests_jitter = 200
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
errorlog = "-"
# gunicorn's control socket is one path per user; several stores on one host would share it.
control_socket_disable = True
# No access log of gunicorn's own: the store logs each request as one structured line
# (project.logging.RequestLogMiddleware, LOG_REQUESTS).
accesslog = None
