"""Imports the section editors that live in their own modules, so they register themselves."""
from app.planning import section_situation  # noqa: F401
from app.planning import section_suivi  # noqa: F401
from app.planning import section_migration  # noqa: F401
from app.planning import section_orientations  # noqa: F401
from app.planning import actions  # noqa: F401
from app.planning import export  # noqa: F401
from app.planning import planfile  # noqa: F401
from app.planning import versions  # noqa: F401
