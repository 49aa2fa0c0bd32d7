"""The plan builder (/plans/...): the list of plans, a new plan, its overview, one page per section, its history,
the actions one at a time, its versions, its exports (Word, plan file) and the plan-file import.

The blueprint is created here; each views module below adds its URLs to it (and the section modules register
their editor in app/planning/editors.py). They import `bp` from this package and nothing else from it, so the
order of the imports below does not matter. The objects a URL names are loaded, with their access checks, by
app/loaders.py.
"""
from flask import Blueprint

bp = Blueprint("planning", __name__, url_prefix="/plans")

# The views modules, imported once the blueprint exists, for the URLs they add to it.
from app.planning import (  # noqa: E402,F401
    actions,  # section 5, one action at a time
    adoption,  # section 8: the deliberation recorded with the adoption, the transmission to the tutelle
    deletion,  # deleting a draft plan, after a confirmation page
    export,  # the Word document, and the administrators' page for the Word model
    planfile,  # the plan file (.json): export and import
    routes,  # list, creation, overview, the section page (1: editors.py; 6: financement.py; 8: adoption.py), history
    section_migration,  # section 3 and the owner's diaspora associations
    section_orientations,  # section 4
    section_situation,  # section 2
    section_suivi,  # section 7
    versions,  # the versions of a plan and their diff
)
