"""The server's entry point: `gunicorn 'audit_app.wsgi:app'`.

It builds the app and refuses to serve, with one sentence on stderr and gunicorn's "app failed
to load" exit code (4, which stops the master instead of restarting workers forever), when the
configuration is wrong (database URL, missing secret key outside demo mode), the database cannot
be reached, or migrations are pending.
"""
from __future__ import annotations

import sys

from . import create_app
from .config import ConfigurationError
from .security.startup import check_ready_to_serve

APP_LOAD_ERROR = 4

try:
    app = create_app()
    check_ready_to_serve(app)
except ConfigurationError as exc:
    print(f"PCA server not started: {exc}", file=sys.stderr, flush=True)
    sys.exit(APP_LOAD_ERROR)
