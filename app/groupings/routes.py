"""Groupings of collectivités (syndicats, conventions, ententes, GLCT, unions): administrators manage them; every
signed-in user may read a grouping's page."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.auth.forms import show_errors
from app.extensions import db
from app.groupings import bp
from app.groupings.forms import ConfirmForm, GroupingForm
from app.guards import role_required
from app.loaders import grouping_or_404
from plans.accounts.models import Role
from plans.core import geo
from plans.core.errors import ConflictError, ValidationError
from plans.owners import service as owners_service
from plans.owners.models import PlanOwner
from plans.territory.service import neighbour_countries, unit_by_code, unit_summary

admin_only = role_required(Role.ADMIN)
MAX_ROWS = 60
BLANK_ROWS = 3
_ROW_KEY = re.compile(r"^foreign_name-(\d{1,3})$")
_SEPARATORS = re.compile(r"[,;\n\r]+")


@dataclass
class ForeignRow:
    """One row "name + country (+ polygon)" of the form, as typed."""

    name: str = ""
    country: str = ""
    polygon: object = None  # a shapely geometry once a file was received and read
    polygon_geojson: str = ""  # the same polygon, carried in a hidden field when the form comes back
    vertices: int = 0
    has_stored_polygon: bool = False  # an existing unit that already has its polygon
    errors: list[str] = field(default_factory=list)


def codes_from_text(text: str | None) -> list[str]:
    """Codes from a textarea: one per line (or separated by commas), anything after the code ignored.

    "ML010701 Diafounou Diongaga" gives "ML010701", so the lines the edit page writes come back unchanged.
    """
    codes = []
    for piece in _SEPARATORS.split(text or ""):
        words = piece.split()
        if words:
            codes.append(words[0])
    return codes


def _read_rows() -> tuple[list[ForeignRow], dict[str, list[str]], bool]:
    """The foreign rows as typed, their polygons read; polygon errors keyed like the service's, and 'too large'."""
    indices = sorted({int(m.group(1)) for key in request.form if (m := _ROW_KEY.match(key))})[:MAX_ROWS]
    rows, errors, too_large = [], {}, False
    for position, i in enumerate(indices):
        row = ForeignRow(name=request.form.get(f"foreign_name-{i}", "").strip(),
                         country=request.form.get(f"foreign_country-{i}", "").strip().upper())
        upload = request.files.get(f"foreign_polygon-{i}")
        data = upload.read() if upload is not None and upload.filename else b""
        kept = request.form.get(f"foreign_polygon_geojson-{i}", "")
        key = f"foreign_by_name.{position}"
        try:
            if data:
                row.polygon = geo.parse_uploaded_polygon(data, field=key)
            elif kept:
                row.polygon = geo.parse_uploaded_polygon(kept, field=key)
        except geo.GeoJSONError as error:
            errors.setdefault(key, []).extend(error.messages)
            too_large = too_large or error.too_large
        if row.polygon is not None:
            row.polygon_geojson = geo.to_geojson(row.polygon)
            row.vertices = geo.vertex_count(row.polygon)
        rows.append(row)
    return rows, errors, too_large


def _service_args(form: GroupingForm, rows: list[ForeignRow]) -> dict:
    return {
        "kind": form.kind.data, "name": form.name.data, "founding_act_ref": form.founding_act_ref.data,
        "founding_act_date": form.founding_act_date.data, "tutelle_authority": form.tutelle_authority.data,
        "member_codes": request.form.getlist("member_codes") + codes_from_text(form.member_codes_text.data),
        "foreign_codes": request.form.getlist("foreign_codes") + codes_from_text(form.foreign_codes_text.data),
        "foreign_by_name": [owners_service.ForeignByName(r.name, r.country, r.polygon) for r in rows],
    }


def _chosen(codes: list[str]) -> list[dict]:
    """The members a picker had chosen (hidden inputs), described for the page that comes back."""
    chosen = []
    for code in dict.fromkeys(c.strip() for c in codes if c.strip()):
        unit = unit_by_code(db.session, code)
        chosen.append(unit_summary(unit) if unit is not None else
                      {"code": code, "name": code, "path": "", "country_name": "", "level_label": "code inconnu"})
    return chosen


def _initial_rows(owner: PlanOwner | None) -> list[ForeignRow]:
    if owner is None:
        return []
    return [ForeignRow(name=u.name, country=u.country_iso3, has_stored_polygon=u.has_geometry)
            for u in owners_service.member_summary(owner).foreign if u.is_manual]


def _is_blank(row: ForeignRow) -> bool:
    return not (row.name or row.country or row.polygon_geojson or row.errors or row.has_stored_polygon)


def _render(form: GroupingForm, *, owner: PlanOwner | None, rows: list[ForeignRow], status: int = 200,
            errors: dict[str, list[str]] | None = None, conflict: bool = False, blank: int = BLANK_ROWS):
    errors = errors or {}
    for key, messages in errors.items():
        if key.startswith("foreign_by_name."):
            position = int(key.split(".", 1)[1])
            if position < len(rows):
                rows[position].errors.extend(m for m in messages if m not in rows[position].errors)
    while rows and _is_blank(rows[-1]):
        rows = rows[:-1]  # trailing blank rows: the page adds its own
    rows = rows + [ForeignRow() for _ in range(blank)]
    return render_template(
        "groupings/form.html", form=form, owner=owner, rows=rows[:MAX_ROWS], conflict=conflict,
        countries=neighbour_countries(), errors=errors,
        chosen_members=_chosen(request.form.getlist("member_codes")) if request.method == "POST" else [],
        chosen_foreign=_chosen(request.form.getlist("foreign_codes")) if request.method == "POST" else [],
        summary=owners_service.member_summary(owner) if owner is not None else None), status


def _status(error: ValidationError, too_large: bool) -> int:
    if too_large or getattr(error, "too_large", False):
        return 413
    if getattr(error, "name_taken", False):
        return 409
    return 400


def _save(form: GroupingForm, owner: PlanOwner | None):
    """Validates and saves; on refusal, the form again with every message and everything typed."""
    owner_id = owner.id if owner is not None else None
    rows, polygon_errors, too_large = _read_rows()
    if request.form.get("action") == "add_rows":
        trailing_blanks = 0
        for row in reversed(rows):
            if not _is_blank(row):
                break
            trailing_blanks += 1
        return _render(form, owner=owner, rows=rows, errors=polygon_errors, blank=trailing_blanks + BLANK_ROWS)
    args = _service_args(form, rows)
    try:
        if owner is None:
            saved = owners_service.create_grouping(db.session, **args, acting_user=current_user,
                                                   ip=request.remote_addr or "")
        else:
            saved = owners_service.update_grouping(db.session, owner, form.version_id.data, **args,
                                                   acting_user=current_user, ip=request.remote_addr or "")
        if polygon_errors:
            raise ValidationError(polygon_errors)
    except ConflictError:
        db.session.rollback()
        if owner_id is None:
            raise
        current = grouping_or_404(owner_id)
        form.version_id.data = current.version_id  # sending again replaces the stored version, knowingly
        return _render(form, owner=current, rows=rows, status=409, conflict=True)
    except ValidationError as error:
        db.session.rollback()
        errors = {key: list(messages) for key, messages in polygon_errors.items()}
        for key, messages in error.errors.items():
            known = errors.setdefault(key, [])
            known.extend(m for m in messages if m not in known)
        if owner_id is not None:
            owner = grouping_or_404(owner_id)
        show_errors(form, ValidationError({k: v for k, v in errors.items()
                                           if k in form._fields or k == ""}))
        return _render(form, owner=owner, rows=rows, status=_status(error, too_large), errors=errors)
    db.session.commit()
    flash(f"Groupement {'créé' if owner is None else 'enregistré'} : {saved.name}.", "success")
    return redirect(url_for("groupings.detail", owner_id=saved.id))


@bp.route("/")
@admin_only
def index():
    items = [(g, owners_service.member_summary(g)) for g in owners_service.groupings(db.session)]
    return render_template("groupings/index.html", items=items)


@bp.route("/nouveau", methods=["GET", "POST"])
@admin_only
def create():
    form = GroupingForm()
    if request.method == "POST":
        return _save(form, None)
    return _render(form, owner=None, rows=[])


@bp.route("/<int:owner_id>")
@login_required
def detail(owner_id: int):
    owner = grouping_or_404(owner_id)
    return render_template("groupings/detail.html", owner=owner, summary=owners_service.member_summary(owner))


@bp.route("/<int:owner_id>/modifier", methods=["GET", "POST"])
@admin_only
def edit(owner_id: int):
    owner = grouping_or_404(owner_id)
    if request.method == "POST":
        form = GroupingForm()
        return _save(form, owner)
    summary = owners_service.member_summary(owner)
    form = GroupingForm(
        name=owner.name, kind=owner.kind.value, founding_act_ref=owner.founding_act_ref or "",
        founding_act_date=owner.founding_act_date.isoformat() if owner.founding_act_date else "",
        tutelle_authority=owner.tutelle_authority or "", version_id=owner.version_id,
        member_codes_text="\n".join(f"{u.code}  {u.display_name}" for u in summary.malian),
        foreign_codes_text="\n".join(f"{u.code}  {u.display_name}" for u in summary.foreign if not u.is_manual))
    return _render(form, owner=owner, rows=_initial_rows(owner))


@bp.route("/<int:owner_id>/supprimer", methods=["GET", "POST"])
@admin_only
def delete(owner_id: int):
    owner = grouping_or_404(owner_id)
    form = ConfirmForm()
    if request.method == "POST":
        try:
            owners_service.delete_grouping(db.session, owner, form.version_id.data or None, acting_user=current_user,
                                           ip=request.remote_addr or "")
        except ConflictError:
            db.session.rollback()
            owner = grouping_or_404(owner_id)
            form.version_id.data = owner.version_id
            return render_template("groupings/delete.html", owner=owner, form=form, conflict=True,
                                   summary=owners_service.member_summary(owner), blocking=[]), 409
        except ValidationError as error:
            db.session.rollback()
            owner = grouping_or_404(owner_id)
            return render_template("groupings/delete.html", owner=owner, form=form, conflict=False,
                                   summary=owners_service.member_summary(owner), blocking=error.messages), 409
        name = owner.name
        db.session.commit()
        flash(f"Groupement supprimé : {name}.", "success")
        return redirect(url_for("groupings.index"))
    form.version_id.data = owner.version_id
    return render_template("groupings/delete.html", owner=owner, form=form, conflict=False,
                           summary=owners_service.member_summary(owner),
                           blocking=owners_service.deletion_blockers(db.session, owner))
