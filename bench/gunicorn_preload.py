"""gunicorn settings for the crash runs (`--config bench/gunicorn_preload.py`): load the app in
the master once, and give each forked worker its own database connections."""
preload_app = True


def post_fork(server, worker):  # type: ignore[no-untyped-def]
    from audit_app.wsgi import app
    app.extensions["pca_db"].engine.dispose(close=False)
