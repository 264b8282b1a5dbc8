"""The Flask app: configuration, extensions, the channels' blueprints and the CLI.

``flask --app channels run`` serves it; ``create_app(config)`` builds one for tests.
"""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask
from flask_migrate import Migrate
from werkzeug.middleware.proxy_fix import ProxyFix

from reservations import services
from reservations.db import db, render_migration_type

from . import (
    cli,
    config,
    counter,
    errors,
    furigana,
    health,
    i18n,
    notifications,
    phone,
    ratelimit,
    security,
    sessions,
    ui,
    web,
    worker,
)
from .ids import IdConverter

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"

migrate = Migrate()


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    app.config.update(config.load(app.instance_path, test_config))
    app.url_map.converters["int"] = IdConverter  # before any route is added
    if hops := app.config["PROXY_HOPS"]:
        # Behind the town's proxy every request comes from the proxy's address: without
        # this, the sign-in limit per client address would count all residents as one.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    if not app.config["PRODUCTION"] and not app.debug:
        logging.basicConfig(level=logging.INFO)

    services.init_app(app)
    migrate.init_app(
        app,
        db,
        directory=str(MIGRATIONS_DIR),
        compare_type=True,
        render_as_batch=True,  # SQLite alters tables by copying them
        render_item=render_migration_type,
    )
    sessions.init_app(app)
    i18n.init_app(app)
    security.init_app(app)
    ui.init_app(app)
    furigana.init_app(app)
    errors.init_app(app)
    ratelimit.init_app(app)

    app.register_blueprint(health.bp)
    web.init_app(app)
    counter.init_app(app)
    phone.init_app(app)
    notifications.init_app(app)
    worker.init_app(app)
    cli.init_app(app)
    return app
