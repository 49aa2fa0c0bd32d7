"""The domain core of the PDL-M builder, importable without Flask: every function that needs the database takes a
SQLAlchemy Session.

Areas, from the bottom up (an area imports only from those below it; .importlinter checks it):
core → territory → owners → accounts → planning → review → maps → reporting → demo → documents.
plans/models.py imports every model, for Alembic and the tests. docs/ARCHITECTURE.md tells where each rule lives.
"""
