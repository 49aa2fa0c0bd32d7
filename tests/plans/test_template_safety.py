"""What a Word model may do (plans/documents/template_safety.py) and the trial of an uploaded one
(plans/documents/template_check.py): package bounds, tag rules, the sandbox, the bounded child process."""
from __future__ import annotations

import io
import random
import string
import zipfile
from pathlib import Path

import pytest
import sqlalchemy as sa
from docx import Document
from docxtpl import DocxTemplate

from plans.demo import data as D
from plans.documents import plan_document, template_check, template_safety
from plans.planning import finance
from plans.planning.models import Plan

SHIPPED = plan_document.SHIPPED_TEMPLATE
REQUIRED = plan_document.REQUIRED_VARIABLES
TRICKY = 'Ségou & Markala <test> "guillemets" {{ 7*7 }} {% if %}'
# The class walk of the issue: from a string to os.popen through object's subclasses, with no index to guess.
PAYLOAD = ("{% for c in ''.__class__.__mro__[1].__subclasses__() %}{% if c.__name__ == '_wrap_close' %}"
           "{{ c.__init__.__globals__['popen']('touch MARKER').read() }}{% endif %}{% endfor %}")


def model(tmp_path: Path, *paragraphs: str, name: str = "modele.docx", header: str | None = None,
          footer: str | None = None, title: str | None = None, blank: bool = False) -> Path:
    """The shipped model (or a blank document) with paragraphs added at the end (a header or footer paragraph, a
    document title)."""
    doc = Document() if blank else Document(str(SHIPPED))
    for text in paragraphs:
        doc.add_paragraph(text)
    if header is not None:
        doc.sections[-1].header.add_paragraph(header)
    if footer is not None:
        doc.sections[-1].footer.add_paragraph(footer)
    if title is not None:
        doc.core_properties.title = title
    path = tmp_path / name
    doc.save(str(path))
    return path


def with_body_xml(tmp_path: Path, xml: str, name: str) -> Path:
    """The shipped model with raw paragraphs (XML) added before the last section break: cheap large models."""
    path = tmp_path / name
    with zipfile.ZipFile(SHIPPED) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "word/document.xml":
                text = data.decode()
                cut = text.rindex("<w:sectPr")
                data = (text[:cut] + xml + text[cut:]).encode()
            out.writestr(info, data)
    return path


@pytest.fixture
def samples(session):
    return template_check.sample_contexts(session)


@pytest.fixture
def tc1(session, demo_cases):
    session.commit()
    plan = session.scalar(sa.select(Plan).where(Plan.uuid == D.TC1_UUID))
    return session.get(Plan, plan.id, options=finance.load_options())


def test_the_test_cases_are_tried_and_left_out_of_the_database(session, samples):
    assert [label for label, _ in samples] == ["Commune de Koniakary", D.YELIMANE_NAME, D.KENEDOUGOU_NAME]
    assert all(set(context) == plan_document.VARIABLES for _, context in samples)
    assert session.scalar(sa.select(sa.func.count()).select_from(Plan)) == 0  # the savepoint was rolled back
    assert template_check.check_replacement(session, SHIPPED) == []


def test_other_writers_are_not_blocked_while_a_model_is_tried(session, database_url, monkeypatch):
    writes = []

    def another_user_saves(*args, **kwargs):  # runs where the child process runs
        engine = sa.create_engine(database_url)
        try:
            with engine.begin() as connection:
                if connection.dialect.name == "sqlite":
                    connection.exec_driver_sql("PRAGMA busy_timeout=0")  # fail at once if a write lock is held
                writes.append(connection.execute(sa.text(
                    "UPDATE admin_unit SET name = name WHERE id = (SELECT min(id) FROM admin_unit)")).rowcount)
        finally:
            engine.dispose()
        return []

    monkeypatch.setattr(template_check, "run_trial", another_user_saves)
    assert template_check.check_replacement(session, SHIPPED) == [] and writes == [1]


def test_the_issue_payload_runs_in_plain_jinja_and_nowhere_here(session, tc1, samples, tmp_path, monkeypatch):
    marker = tmp_path / "pwned"
    path = model(tmp_path, PAYLOAD.replace("MARKER", str(marker)))
    context = plan_document.build_context(tc1, session, with_map=False)
    # What every export did before: docxtpl's own environment, autoescape and nothing else. The payload is live.
    DocxTemplate(str(path)).render(context, autoescape=True)
    assert marker.exists()
    marker.unlink()

    problems = template_safety.trial(path, samples, REQUIRED)
    assert problems[0].startswith("La balise « {% for c in ''.__class__.__mro__[1].__subclasses__() %} » : "
                                  "« __class__ » n'est pas permis (un nom commençant par « _ » désigne l'intérieur "
                                  "du programme) ; « __mro__ » n'est pas permis")
    assert "les appels de fonction ou de méthode" in problems[0]
    assert problems[1].startswith("La balise « {% if c.__name__ == '_wrap_close' %} » : « __name__ »")

    with pytest.raises(template_safety.TemplateRefused) as refused:  # a model stored without the upload check
        plan_document.render_docx(tc1, session, path, with_map=False)
    assert "__class__" in refused.value.problems[0]
    # If the tag rules ever let it through, the sandbox alone still refuses the walk.
    monkeypatch.setattr(template_safety, "check_tags", lambda *args: ([], set()))
    with pytest.raises(template_safety.TemplateRefused) as refused:
        plan_document.render_docx(tc1, session, path, with_map=False)
    assert "opération interdite" in refused.value.problems[0]
    assert not marker.exists()


FORBIDDEN = "Le modèle tente une opération interdite"
UNDEFINED = "Le modèle demande une valeur que le document ne fournit pas"


@pytest.mark.parametrize("tag, said", [("{{ titre.upper() }}", FORBIDDEN), ("{{ titre * 100000 }}", FORBIDDEN),
                                       ("{{ -pip_total }}", FORBIDDEN), ("{{ range(3)|join }}", FORBIDDEN),
                                       ("{{ cycler }}", UNDEFINED), ("{{ namespace }}", UNDEFINED)])
def test_the_sandbox_alone_refuses_calls_arithmetic_and_globals(session, tc1, tmp_path, monkeypatch, tag, said):
    monkeypatch.setattr(template_safety, "check_tags", lambda *args: ([], set()))
    with pytest.raises(template_safety.TemplateRefused) as refused:
        plan_document.render_docx(tc1, session, model(tmp_path, tag), with_map=False)
    assert refused.value.problems[0].startswith(said)


def test_every_part_docxtpl_renders_is_checked(tmp_path, samples):
    header = template_safety.trial(model(tmp_path, header="{{ titre.__class__ }}"), samples, REQUIRED)
    assert "« __class__ » n'est pas permis" in header[0]
    footer = template_safety.trial(model(tmp_path, footer="{{ titre|attr('x') }}"), samples, REQUIRED)
    assert "le filtre « attr » n'est pas permis" in footer[0]
    title = template_safety.trial(model(tmp_path, title="{{ cycler.__init__ }}"), samples, REQUIRED)
    assert "la variable « cycler » n'existe pas" in title[0]


@pytest.mark.parametrize("tag, said", [
    ("{{ variable_inconnue }}", "la variable « variable_inconnue » n'existe pas"),
    ("{% for r in pip %}{{ r.inconnu }}{% endfor %}", "« inconnu » n'est pas un champ de « r » (champs : action,"),
    ("{{ deliberation.numer }}", "« numer » n'est pas un champ de « deliberation »"),
    ("{{ titre|center(80) }}", "le filtre « center » n'est pas permis"),
    ("{% if titre is callable %}x{% endif %}", "le test « callable » n'est pas permis"),
    ("{% for i in range(10**9) %}x{% endfor %}", "la variable « range » n'existe pas"),
    ("{{ titre * 100000 }}", "les calculs ne sont pas permis"),
    ("{{ titre.upper() }}", "les appels de fonction"),
    ("{% set x = titre ~ titre %}{{ x }}", "l'instruction « set » n'est pas permise"),
    ("{% macro m() %}x{% endmacro %}", "l'instruction « macro » n'est pas permise"),
    ("{% include 'autre.xml' %}", "l'instruction « include » n'est pas permise"),
    ("{% for r in pip %}{% for s in pip %}x{% endfor %}{% endfor %}", "parcourir « pip » ici répéterait"),
    ("{% for r in pip %}{% for a in r.annees %}{% for b in r.annees %}x{% endfor %}{% endfor %}{% endfor %}",
     "parcourir « r » ici répéterait"),
    ("{% for m in modifications %}{% for x in m.champ|default(pip) %}x{% endfor %}{% endfor %}",
     "parcourir « pip » ici répéterait"),
    ("{% for r in pip %}{% if r.action in pip|join %}x{% endif %}{% endfor %}",
     "dans une boucle, la liste « pip » du document entier ne peut pas être utilisée"),
    ("{% for c in titre %}x{% endfor %}", "« titre » n'est pas une liste"),
    ("{{ loop.index }}", "« loop » n'existe qu'à l'intérieur d'une boucle"),
    ("{% for r in pip %}{{ loop.cycle('a', 'b') }}{% endfor %}", "« loop.cycle » n'est pas permis"),
    ("{{ pip[titre] }}", "un index entre crochets"),
    ("{{ 100000000 }}", "le nombre 100000000 est trop grand"),
])
def test_a_tag_outside_the_documented_ones_is_refused_by_name(tmp_path, samples, tag, said):
    problems = template_safety.trial(model(tmp_path, tag), samples, REQUIRED)
    assert any(said in p for p in problems), problems
    assert problems[-1] == "Les variables, filtres et balises permis sont décrits dans templates_docx/README.md."


def test_documented_tags_and_filters_are_accepted(tmp_path, samples):
    allowed = ["{{ titre|upper }} — {{ resume|default('—')|truncate(80) }} — {{ collectivite ~ ' (' ~ periode ~ ')' }}",
               "{% for r in pip %}{{ loop.index }}. {{ r.action|title }} {{ r.annees|join(' / ') }}"
               "{% if not loop.last %}, {% endif %}{% endfor %}",
               "{% if statut in ['Adopté', 'Brouillon'] and pip|length > 0 %}{{ pip[0].action }}{% endif %}",
               "{% for m in modifications %}{{ m }}{% else %}Aucune modification.{% endfor %}",
               "{{ annees|first }}–{{ annees|last }} {{ deliberation['numero'] }} {{ titre[:20] }}"]
    assert template_safety.trial(model(tmp_path, *allowed), samples, REQUIRED) == []


def test_a_failing_model_is_refused_in_french(tmp_path, samples):
    syntax = template_safety.trial(model(tmp_path, "{% if %}"), samples, REQUIRED)
    assert syntax[0].startswith("Balise mal formée « {% if %} »")
    rows = [{"action": "Puits"}, {"titre": "une ligne sans action"}]  # the shape has `action`, one row lacks it
    missing = template_safety.trial(model(tmp_path, "{% for r in pip %}{{ r.action }}{% endfor %}", blank=True),
                                    [("Koniakary", {"pip": rows})], ())
    assert missing[0].startswith("Essai sur le cas test « Koniakary » : Le modèle demande une valeur")
    minimal = tmp_path / "minimal.docx"
    doc = Document()
    doc.add_paragraph("{{ titre }}")
    doc.save(str(minimal))
    assert "Variables obligatoires absentes du modèle" in template_safety.trial(minimal, samples, REQUIRED)[0]
    assert "pip_total" in template_safety.trial(minimal, samples, REQUIRED)[0]


def test_the_package_is_bounded_before_anything_is_inflated(tmp_path, monkeypatch):
    bomb = tmp_path / "bombe.docx"
    with zipfile.ZipFile(SHIPPED) as source, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            out.writestr(info, source.read(info))
        with out.open("word/media/zeros.bin", "w") as member:
            zeros = bytes(1024 * 1024)
            for _ in range(1024):  # 1 GiB of zeros: about 1 MB once deflated
                member.write(zeros)
    assert bomb.stat().st_size < 2 * 1024 * 1024

    def no_inflating(*args, **kwargs):
        raise AssertionError("a member was opened")

    monkeypatch.setattr(zipfile.ZipFile, "open", no_inflating)
    problems = template_safety.check_package(bomb)
    assert problems == ["Une partie du fichier Word est trop grande une fois décompressée (word/media/zeros.bin : "
                        "1024 Mo, au plus 16 Mo)."]
    assert str(tmp_path) not in problems[0]
    with pytest.raises(template_safety.TemplateRefused):
        template_safety.open_template(bomb)


def test_package_limits(tmp_path, monkeypatch):
    def package(name, members, method=zipfile.ZIP_DEFLATED):
        path = tmp_path / name
        with zipfile.ZipFile(path, "w", method) as out:
            for member, data in members:
                out.writestr(member, data)
        return path

    many = package("parties.docx", [(f"word/p{i}.xml", b"") for i in range(template_safety.MAX_MEMBERS + 1)])
    assert "trop de parties" in template_safety.check_package(many)[0]
    ratio = package("ratio.docx", [("word/document.xml", b"<w:p/>"), ("word/a.xml", bytes(2 * 1024 * 1024))])
    assert "se décompresse de façon anormale" in template_safety.check_package(ratio)[0]
    monkeypatch.setattr(template_safety, "MAX_TOTAL_BYTES", 1024 * 1024)
    total = package("total.docx", [("word/document.xml", b"<w:p/>"), ("word/media/a.bin", bytes(600_000)),
                                   ("word/media/b.bin", bytes(600_000))], zipfile.ZIP_STORED)
    assert template_safety.check_package(total) == ["Le fichier Word est trop grand une fois décompressé (1 Mo, au "
                                                    "plus 1 Mo)."]
    not_word = package("autre.docx", [("hello.txt", b"x")])
    assert "word/document.xml est absent" in template_safety.check_package(not_word)[0]
    broken = tmp_path / "casse.docx"
    broken.write_bytes(b"PK\x03\x04 ceci n'est pas un docx")
    assert "endommagé" in template_safety.check_package(broken)[0]


def test_the_child_is_bounded_in_memory_and_time(tmp_path, samples):
    rng = random.Random(14)
    paragraphs = "".join(f"<w:p><w:r><w:t>{''.join(rng.choices(string.ascii_letters + ' ', k=2500))}</w:t></w:r></w:p>"
                         for _ in range(4000))  # 10 MB of text that does not compress much
    big = with_body_xml(tmp_path, paragraphs, "gros.docx")
    stopped = template_check.run_trial(big, samples, REQUIRED, memory=160 * 1024 * 1024, cpu=20, wall=60)
    assert stopped == ["Le modèle a été refusé : son essai sur les trois cas tests a dépassé la mémoire permise "
                       "(160 Mo). Un modèle ne doit pas produire autant de texte."]
    tags = with_body_xml(tmp_path, "".join(f"<w:p><w:r><w:t>{{{{ titre }}}} {rng.random()} {{{{ periode }}}}</w:t>"
                                           "</w:r></w:p>" for _ in range(30000)), "lent.docx")
    stopped = template_check.run_trial(tags, samples, REQUIRED, memory=2048 * 1024 * 1024, cpu=1, wall=60)
    assert stopped and "a dépassé le temps permis (1 s de calcul" in stopped[0]
    assert template_check.run_trial(SHIPPED, samples, REQUIRED, memory=template_check.TRIAL_MEMORY_BYTES,
                                    cpu=template_check.TRIAL_CPU_SECONDS, wall=template_check.TRIAL_WALL_SECONDS) == []


def test_the_rendered_text_is_bounded_at_export(session, tc1, monkeypatch):
    monkeypatch.setattr(template_safety, "MAX_OUTPUT_CHARS", 50_000)
    with pytest.raises(template_safety.TemplateRefused) as refused:
        plan_document.render_docx(tc1, session, with_map=False)
    assert "le modèle répète trop de texte" in refused.value.problems[0]


def test_user_text_stays_literal_in_the_sandbox(session, tc1, tmp_path, samples):
    tc1.title = "PDESC — " + TRICKY
    tc1.actions[0].title = "Puits " + TRICKY
    session.commit()
    restyled = Document(str(SHIPPED))
    restyled.styles["Heading 1"].font.name = "Georgia"
    path = tmp_path / "restyle.docx"
    restyled.save(str(path))
    assert template_safety.trial(path, samples, REQUIRED) == []
    doc = Document(io.BytesIO(plan_document.render_docx(tc1, session, path, with_map=False)))
    cells = [c.text for t in doc.tables for r in t.rows for c in r.cells]
    assert "PDESC — " + TRICKY in [p.text for p in doc.paragraphs]
    assert "Puits " + TRICKY in cells
    assert doc.styles["Heading 1"].font.name == "Georgia"


def test_docxtpl_own_tags_pass_the_rules(tmp_path, samples):
    doc = Document(str(SHIPPED))
    table = doc.add_table(rows=5, cols=3)
    table.rows[0].cells[0].text = "{%tr for r in pip %}"
    row = table.rows[1].cells
    row[0].text, row[1].text, row[2].text = "{% vm %}{{ r.secteur }}", "{% cellbg 'DDDDDD' %}{{ r.action }}", \
        "{% colspan 1 %}{{ r.total }}"
    table.rows[2].cells[0].text = "{%tr endfor %}"
    years = table.rows[3].cells
    years[0].text, years[1].text, years[2].text = "{%tc for a in annees %}", "{% hm %}{{ a }}", "{%tc endfor %}"
    table.rows[4].cells[0].text = "{{r titre }}"
    path = tmp_path / "docxtpl.docx"
    doc.save(str(path))
    assert template_safety.trial(path, samples, REQUIRED) == []
