"""Entry point: `flask --app wsgi ...` in development, `gunicorn wsgi:app` in production."""
from app import create_app, freeze_startup_heap

app = create_app()
freeze_startup_heap()  # the startup objects out of the garbage collector's full passes (app/__init__.py)
