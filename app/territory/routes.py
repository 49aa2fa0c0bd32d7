"""Routes."""
from flask import render_template
from flask_login import login_required

from app.territory import bp


@bp.route("/")
@login_required
def browse():
    return render_template("base.html")
