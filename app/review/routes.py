"""The review page of a plan and its posts: status changes, comments, checklist, the start of a revision.
The rules are in plans/review/workflow.py and plans/review/comments.py; these views parse, call and render."""
from __future__ import annotations

from types import SimpleNamespace

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError

from app.choices import select_choices
from app.extensions import db
from app.loaders import readable_plan
from app.planning.editors import attach_errors
from app.review import bp
from app.review.forms import ChecklistForm, CommentForm, CommentStateForm, StartRevisionForm, TransitionForm
from plans.core.errors import ConflictError, ValidationError
from plans.core.vocab import REVIEW_CHECKLIST
from plans.execution import nextplan
from plans.planning import completeness
from plans.planning.models import Plan, PlanStatus
from plans.review import comments as review_service
from plans.review import workflow
from plans.review.comments import Anchor


def _ip() -> str:
    return request.remote_addr or ""


def _review_url(plan: Plan, fragment: str = "") -> str:
    return url_for("review.page", plan_id=plan.id) + (f"#{fragment}" if fragment else "")


def _anchor_url(plan: Plan, anchor: Anchor) -> str:
    """The page of what a comment points at (its comments are shown there)."""
    if anchor.action_uuid:
        action = next((a for a in plan.actions if a.uuid == anchor.action_uuid), None)
        if action is not None:
            return url_for("planning.action_edit", plan_id=plan.id, action_id=action.id) + "#commentaires"
    if anchor.section:
        return url_for("planning.section", plan_id=plan.id, section_key=anchor.section) + "#commentaires"
    return _review_url(plan, "commentaires")


def _comment_form(plan: Plan, form: CommentForm | None = None) -> CommentForm:
    form = form or CommentForm(formdata=None)
    form.anchor.choices = select_choices(review_service.anchor_choices(plan))
    return form


def _checklist_form(items) -> ChecklistForm:
    form = ChecklistForm(formdata=None)
    for item in items:
        form[f"ok_{item.key}"].data = item.checked
        form[f"note_{item.key}"].data = item.note
    return form


def _transition_forms(plan: Plan, moves, failed: TransitionForm | None) -> dict[str, TransitionForm]:
    forms = {}
    for move in moves:
        if failed is not None and failed.to_status.data == move.target.value:
            forms[move.target.value] = failed
            continue
        form = TransitionForm(formdata=None)
        if move.needs_deliberation:
            form.deliberation_number.data = plan.deliberation_number
            form.deliberation_date.data = plan.deliberation_date
            form.council_session.data = plan.council_session
        forms[move.target.value] = form
    return forms


def render_page(plan: Plan, status: int = 200, *, transition_form: TransitionForm | None = None,
                comment_form: CommentForm | None = None, checklist_form=None, conflict: str | None = None,
                errors: list[str] | None = None):
    moves = workflow.allowed_moves(current_user, plan)
    items = review_service.checklist(db.session, plan)
    may_submit = any(m.target is PlanStatus.SOUMIS for m in moves)
    return render_template(
        "review/page.html", plan=plan, section=None, check=completeness.check_plan(plan), moves=moves,
        transition_forms=_transition_forms(plan, moves, transition_form), failed_transition=transition_form,
        history=workflow.transitions(db.session, plan), groups=review_service.grouped_comments(db.session, plan),
        unresolved=review_service.unresolved_count(db.session, plan),
        can_comment=review_service.can_comment(current_user, plan), comment_form=_comment_form(plan, comment_form),
        checklist=items, can_check=review_service.can_check(current_user, plan),
        checklist_form=checklist_form or _checklist_form(items),
        submission_problems=workflow.submission_problems(plan) if may_submit else [],
        open_points=review_service.open_points(db.session, plan)
        if any(m.target is PlanStatus.VALIDE for m in moves) else [],
        revisions=workflow.revisions(db.session, plan),
        can_start_revision=workflow.can_start_revision(db.session, current_user, plan),
        revision_form=StartRevisionForm(formdata=None), state_form=CommentStateForm(formdata=None),
        conflict=conflict, errors=errors or []), status


def _refused(plan_id: int, error: PermissionError | ConflictError):
    """The answer to a refused workflow step, its changes rolled back: 403 when the user may not take it, the page
    again with a 409 when the plan changed meanwhile."""
    db.session.rollback()
    if isinstance(error, PermissionError):
        abort(403, str(error))
    return render_page(readable_plan(plan_id), 409, conflict=str(error))


@bp.route("/<int:plan_id>/revue")
@login_required
def page(plan_id: int):
    return render_page(readable_plan(plan_id))


@bp.route("/<int:plan_id>/statut", methods=["POST"])
@login_required
def transition(plan_id: int):
    plan = readable_plan(plan_id)
    form = TransitionForm()
    if not form.validate_on_submit():
        flash("Le statut n'a pas changé : corrigez les champs signalés.", "error")
        return render_page(plan, 400, transition_form=form)
    deliberation = {"deliberation_number": form.deliberation_number.data,
                    "deliberation_date": form.deliberation_date.data, "council_session": form.council_session.data}
    try:
        record = workflow.transition(db.session, plan, current_user, form.to_status.data,
                                     seen_status=form.seen_status.data, reason=form.reason.data or "",
                                     deliberation=deliberation, confirm_open=form.confirm_open.data, ip=_ip())
        db.session.commit()
    except (PermissionError, ConflictError) as error:
        return _refused(plan_id, error)
    except ValidationError as error:
        db.session.rollback()
        attach_errors(form, error, aliases={"to_status": "", "seen_status": ""})  # hidden: shown above the forms
        flash("Le statut n'a pas changé : voyez ce qui manque ci-dessous.", "error")
        return render_page(readable_plan(plan_id), 400, transition_form=form)
    move = workflow.MOVES_BY_KEY[(PlanStatus(record.from_status), PlanStatus(record.to_status))]
    flash(move.done, "info")
    if form.retour.data == "plan":
        return redirect(url_for("planning.overview", plan_id=plan.id), code=303)
    return redirect(_review_url(plan), code=303)


@bp.route("/<int:plan_id>/reviser", methods=["POST"])
@login_required
def start_revision(plan_id: int):
    plan = readable_plan(plan_id)
    try:
        new_plan = workflow.start_revision(db.session, plan, current_user, ip=_ip())
        previous = nextplan.prefill(db.session, new_plan, current_user)
        db.session.commit()
    except (PermissionError, ConflictError) as error:
        return _refused(plan_id, error)
    except ValidationError as error:
        db.session.rollback()
        return render_page(readable_plan(plan_id), 400, errors=error.messages)
    except IntegrityError:  # another request opened the same revision at the same instant
        db.session.rollback()
        return render_page(readable_plan(plan_id), 409,
                           conflict="Une révision de ce plan vient d'être ouverte : rechargez la page.")
    flash(f"Révision {new_plan.revision} ouverte : elle reprend le plan adopté, qui reste consultable et "
          f"inchangé.", "info")
    if previous is not None:
        flash("Le bilan d'exécution du plan adopté a été repris dans la section 1 (« Bilan du plan précédent », "
              "modifiable).", "info")
    return redirect(url_for("planning.overview", plan_id=new_plan.id), code=303)


@bp.route("/<int:plan_id>/commentaires", methods=["POST"])
@login_required
def add_comment(plan_id: int):
    plan = readable_plan(plan_id)
    if not review_service.can_comment(current_user, plan):
        abort(403, "Vous ne pouvez pas commenter ce plan." if plan.status is not PlanStatus.ADOPTE
              else "Ce plan est adopté : sa revue est close.")
    form = _comment_form(plan, CommentForm())
    if form.validate_on_submit():
        try:
            parent = review_service.parse_parent(db.session, plan, form.parent.data)
            comment = review_service.add_comment(db.session, plan, current_user, form.body.data, form.anchor.data,
                                                 reply_to=parent)
            db.session.commit()
        except ValidationError as error:
            db.session.rollback()
            attach_errors(form, error)
        else:
            anchor = Anchor(comment.section, comment.action_uuid)
            flash("Réponse ajoutée." if comment.parent_id else "Commentaire ajouté.", "info")
            return redirect(_anchor_url(plan, anchor) if form.retour.data == "ancre"
                            else _review_url(plan, f"commentaire-{comment.id}"), code=303)
    flash("Le commentaire n'a pas été ajouté : corrigez ce qui est signalé.", "error")
    return render_page(readable_plan(plan_id), 400, comment_form=form)


def _comment_state(plan_id: int, comment_id: int, change, done: str, already: str):
    plan = readable_plan(plan_id)
    comment = review_service.get_comment(db.session, plan, comment_id)
    if comment is None:
        abort(404, "Ce commentaire n'existe pas.")
    if not review_service.can_comment(current_user, plan):
        abort(403, "Vous ne pouvez pas modifier l'état des commentaires de ce plan.")
    form = CommentStateForm()
    changed = change(db.session, plan, comment, current_user)
    db.session.commit()
    flash(done if changed else already, "info")
    anchor = Anchor(comment.section, comment.action_uuid)
    return redirect(_anchor_url(plan, anchor) if form.retour.data == "ancre"
                    else _review_url(plan, f"commentaire-{comment.id}"), code=303)


@bp.route("/<int:plan_id>/commentaires/<int:comment_id>/resoudre", methods=["POST"])
@login_required
def resolve_comment(plan_id: int, comment_id: int):
    return _comment_state(plan_id, comment_id, review_service.resolve, "Commentaire marqué comme résolu.",
                          "Ce commentaire était déjà résolu.")


@bp.route("/<int:plan_id>/commentaires/<int:comment_id>/rouvrir", methods=["POST"])
@login_required
def reopen_comment(plan_id: int, comment_id: int):
    return _comment_state(plan_id, comment_id, review_service.reopen, "Commentaire rouvert.",
                          "Ce commentaire était déjà ouvert.")


@bp.route("/<int:plan_id>/controle", methods=["POST"])
@login_required
def checklist(plan_id: int):
    plan = readable_plan(plan_id)
    if not review_service.can_check(current_user, plan):
        abort(403, "Seuls les relecteurs de ce plan remplissent sa grille de contrôle."
              if plan.status is not PlanStatus.ADOPTE else "Ce plan est adopté : sa revue est close.")
    form = ChecklistForm()
    if form.validate_on_submit():
        try:
            changed = sum(review_service.set_check(db.session, plan, current_user, key, form[f"ok_{key}"].data,
                                                   form[f"note_{key}"].data or "") for key in REVIEW_CHECKLIST)
            db.session.commit()
        except ValidationError as error:
            db.session.rollback()
            attach_errors(form, error, aliases={k: f"note_{k}" for k in REVIEW_CHECKLIST})
        else:
            flash("Grille de contrôle enregistrée." if changed else "Grille de contrôle inchangée.", "info")
            return redirect(_review_url(plan, "controle"), code=303)
    flash("La grille de contrôle n'a pas été enregistrée : corrigez ce qui est signalé.", "error")
    return render_page(readable_plan(plan_id), 400, checklist_form=form)


# ----- What the planning pages show of the review (review/_anchored_comments.html, review/_status_banner.html) -----

def anchored_comments(plan: Plan, section_key: str | None = None, action=None) -> SimpleNamespace:
    anchor = Anchor(action_uuid=action.uuid) if action is not None and action.uuid else Anchor(section=section_key)
    found = review_service.threads(db.session, plan, anchor)
    return SimpleNamespace(anchor=anchor, threads=found, unresolved=sum(1 for t in found if not t.resolved),
                           can_comment=review_service.can_comment(current_user, plan),
                           label=dict(review_service.anchor_choices(plan)).get(anchor.value, ""))


def review_summary(plan: Plan) -> SimpleNamespace:
    return SimpleNamespace(last=workflow.latest_transition(db.session, plan),
                           unresolved=review_service.unresolved_count(db.session, plan),
                           moves=workflow.allowed_moves(current_user, plan),
                           latest=workflow.latest_revision(db.session, plan.uuid))


@bp.app_context_processor
def review_helpers():
    return {"anchored_comments": anchored_comments, "review_summary": review_summary,
            "status_label": lambda value: PlanStatus(value).label}
