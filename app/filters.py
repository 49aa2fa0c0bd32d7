"""Jinja filters: the French formats of plans/core/formatting.py, so pages and the .docx print numbers alike."""
from flask import Flask

from app.docx_template import pdf_unavailable
from plans.core import formatting


def register(app: Flask) -> None:
    app.add_template_filter(formatting.fcfa, "fcfa")
    app.add_template_filter(formatting.number, "number")
    app.add_template_filter(formatting.percent, "percent")
    app.add_template_filter(formatting.date_long, "date_long")
    app.add_template_filter(formatting.date_short, "date_short")
    app.add_template_filter(formatting.country_name, "country_name")
    app.add_template_global(pdf_unavailable, "pdf_unavailable")  # the plan pages' PDF link, or why there is none
