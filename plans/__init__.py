"""The domain core of the PDL-M builder: models, territory, plan rules and builders.

Importable without Flask: every function that needs the database takes a SQLAlchemy Session.
"""
