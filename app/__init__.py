"""The web layer: create_app() builds the Flask application."""
from __future__ import annotations

import os
from typing import Any, Mapping

from flask import Flask

import plans.models  # noqa: F401  every model registered before Alembic or queries look
from app import (
    api_v1,
    audit,
    auth,
    cli,
    config,
    dashboard,
    errors,
    execution,
    filters,
    groupings,
    heavy,
    main,
    maps,
    planning,
    request_input,
    review,
    security,
    static_gzip,
    territory,
    users,
)
from app.extensions import csrf, db, login_manager, migrate


def create_app(overrides: Mapping[str, Any] | None = None) -> Flask:
    app = Flask(__name__, instance_path=os.environ.get("PDLM_INSTANCE_PATH") or None, instance_relative_config=True)
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.update(config.from_environment(app.instance_path))
    if overrides:
        app.config.update(overrides)

    security.init_app(app)
    request_input.init_app(app)
    heavy.init_app(app)
    static_gzip.init_app(app)
    register_extensions(app)
    register_blueprints(app)
    register_commands(app)
    filters.register(app)
    return app


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(os.path.dirname(__file__)), "migrations"))
    csrf.init_app(app)
    login_manager.init_app(app)


def register_blueprints(app: Flask) -> None:
    for module in (errors, auth, main, territory, groupings, users, planning, maps, review, execution, dashboard,
                   audit):
        app.register_blueprint(module.bp)
    api_v1.register(app)  # its own error answers (JSON), CSRF exemption and the token pages


def register_commands(app: Flask) -> None:
    cli.register(app)
