"""The versions of a plan and what changed between two of them (plans/review/diff.py).

GET /plans/<id>/versions                     the versions (snapshots of the plan's lineage, newest first, and the
                                             version en cours) and, by default, the diff a reviewer reads: from the
                                             previous submission to the latest one when the plan was submitted twice
                                             or more (what a resubmission changed); otherwise from the last adopted
                                             (else submitted) version to the version en cours
GET /plans/<id>/versions?avant=K&apres=K     the diff between two chosen versions; K is a snapshot id or "courante".
                                             An id that is not a version of this plan: 404; anything else wrong
                                             (missing, not a version key, twice the same): 400 with the form
Anyone who may read the plan may read its versions; a masked site's point only those who may see it
(plans/accounts/access.py `can_see_masked_location`).
"""
from __future__ import annotations

from flask import abort, render_template, request
from flask_login import current_user, login_required

from app.extensions import db
from app.loaders import readable_plan
from app.planning import bp
from plans.accounts import access
from plans.review import diff as plandiff

DEFAULT_KINDS = ("adopte", "soumis")  # the default "before": the last adoption, else the last submission


class BadChoice(Exception):
    """A version choice the page refuses with a 400 and a French message."""


def _default_pair(listed: list[plandiff.Version]) -> tuple[plandiff.Version | None, plandiff.Version | None]:
    """(before, after) shown when none is asked for (the module's docstring)."""
    submissions = [v for v in listed if v.snapshot_id is not None and v.kind == "soumis"]  # newest first
    if len(submissions) >= 2:
        return submissions[1], submissions[0]
    before = _default_before(listed)
    return (before, next(v for v in listed if v.key == plandiff.CURRENT)) if before is not None else (None, None)


def _default_before(listed: list[plandiff.Version]) -> plandiff.Version | None:
    snapshots = [v for v in listed if v.snapshot_id is not None]
    for kind in DEFAULT_KINDS:
        found = next((v for v in snapshots if v.kind == kind), None)
        if found is not None:
            return found
    return snapshots[0] if snapshots else None


def _chosen(raw: str | None, listed: dict[str, plandiff.Version], which: str) -> plandiff.Version:
    value = (raw or "").strip()
    if not value:
        raise BadChoice(f"Choisissez la version {which}.")
    if value in listed:
        return listed[value]
    if value.isdigit():
        abort(404, "Cette version n'existe pas pour ce plan.")
    raise BadChoice(f"Version {which} non reconnue : « {value[:60]} ». Choisissez-la dans la liste.")


@bp.route("/<int:plan_id>/versions")
@login_required
def versions(plan_id: int):
    plan = readable_plan(plan_id)
    listed = plandiff.versions(db.session, plan)
    by_key = {v.key: v for v in listed}
    asked = "avant" in request.args or "apres" in request.args
    raw = {"avant": request.args.get("avant", ""), "apres": request.args.get("apres", "")}
    before = after = diff = None
    problem, status = None, 200
    if asked:
        try:
            before = _chosen(raw["avant"], by_key, "de départ")
            after = _chosen(raw["apres"], by_key, "d'arrivée")
            if before.key == after.key:
                raise BadChoice("Choisissez deux versions différentes à comparer.")
        except BadChoice as error:
            problem, status, before, after = str(error), 400, None, None
    else:
        before, after = _default_pair(listed)
        raw = {"avant": before.key if before else "", "apres": after.key if after else ""}
    if before is not None and after is not None:
        diff = plandiff.diff_documents(plandiff.version_document(db.session, plan, before),
                                       plandiff.version_document(db.session, plan, after),
                                       reveal_masked=access.can_see_masked_location(current_user, plan.owner))
    return render_template("planning/versions.html", plan=plan, versions=listed, before=before, after=after,
                           diff=diff, chosen=raw, problem=problem, current_key=plandiff.CURRENT), status

