"""gunicorn settings for Kaiku Training behind nginx (deploy/nginx.conf), started by
deploy/kaiku-web.service as `gunicorn -c /etc/kaiku/gunicorn.conf.py`.

Every line it logs is one key=value line (kaiku_training/core/logs.py): the access log on
stdout, everything else (gunicorn's own messages and the application's) on stderr; systemd
hands both to the journal. An access line and the application's lines of the same request
carry the same request_id.
"""

import multiprocessing
import os

wsgi_app = "kaiku_training.wsgi:app"  # from the installed package: no checkout needed; a bad config exits 4
bind = "127.0.0.1:8000"  # nginx proxies here; nothing else should reach it

# Sync workers, one request at a time each, the usual choice behind a buffering proxy: nginx
# holds slow clients and keep-alive connections, so gunicorn's keepalive setting (which sync
# workers ignore) is not set. 2 × CPU + 1 workers, at most 8: each holds its own database
# connections and caches, and more than that rarely helps a site of this size. WEB_CONCURRENCY
# (in /etc/kaiku/env) sets the number instead.
workers = int(os.environ.get("WEB_CONCURRENCY", min(2 * multiprocessing.cpu_count() + 1, 8)))
timeout = 30  # a request still running after this long is stopped (its worker restarted)
graceful_timeout = 30  # on stop or reload, running requests get this long to finish
max_requests = 2000  # each worker is replaced now and then, so that no leak grows without bound
max_requests_jitter = 200  # ...not all at the same moment

# nginx on this machine sets X-Forwarded-For/-Proto/-Host; the application reads them itself
# (proxy_fix = true in config.toml). Only this address may claim to be the proxy.
forwarded_allow_ips = "127.0.0.1,::1"

accesslog = "-"
access_log_format = (
    # Quoted: a client may send any X-Forwarded-For, which nginx passes on (gunicorn escapes ")
    'request_id=%({x-request-id}o)s client="%({x-forwarded-for}i)s" method=%(m)s '
    'path="%(U)s" query="%(q)s" status=%(s)s bytes=%(B)s duration_ms=%(M)s agent="%(a)s"'
)
errorlog = "-"
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "one_line": {"()": "kaiku_training.core.logs.OneLineFormatter"},
        "access": {"()": "kaiku_training.core.logs.AccessLineFormatter"},
    },
    "handlers": {
        "stderr": {"class": "logging.StreamHandler", "formatter": "one_line", "stream": "ext://sys.stderr"},
        "access": {"class": "logging.StreamHandler", "formatter": "access", "stream": "ext://sys.stdout"},
    },
    "root": {"handlers": ["stderr"], "level": "INFO"},  # the application's records arrive here
    "loggers": {
        "gunicorn.error": {"handlers": [], "level": "INFO", "propagate": True},
        "gunicorn.access": {"handlers": ["access"], "level": "INFO", "propagate": False},
    },
}
