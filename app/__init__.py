"""The web layer: create_app() builds the Flask application; a server process then calls freeze_startup_heap()."""
from __future__ import annotations

import gc
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


def freeze_startup_heap() -> None:
    """Moves every object alive once the app is built (about 260 000: the modules of Flask, SQLAlchemy, geopandas,
    folium, Babel…, which live as long as the process) out of the cyclic garbage collector's reach (gc.freeze).
    Without it each full collection, every few requests of a plan page, walked them all: hundreds of
    milliseconds on a loaded machine, a plan page or a save in twenty (issue 12's p95). Called by a server
    process (wsgi.py) and the benchmarks that stand for one (scripts/bench_common.py), not by create_app: the
    tests build many apps in one process, and what they drop must stay collectable."""
    gc.collect()
    gc.freeze()


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
