"""Issue 16's browser test: in chromium, a planner records Koniakary's 2025 execution through the forms — two actions
realised, each with a photo sent through the form, one in progress, the diaspora association's contribution partly
received — then downloads the annual review (bilan .docx) through its link and reads it back with python-docx: the
rates it prints are those computed here, by hand, from the amounts typed, to the franc and the hundredth of a percent;
then a DGCT reviewer finds the same financial rate on the national map (table twin, colour, tooltip).

The plan is a copy of Koniakary's demo plan (docs/DOMAIN.md §14, plans/demo/data.py TC1) under its own uuid, adopted:
the session's other tests keep the demo plan itself as a draft. Its PIP, as adopted (cost; funding lines in order):
- Extension du CSCOM, 45 000 000: CTC 70 % (31 500 000), Enndam Jombuku 10 % (4 500 000), commune 20 % (9 000 000);
- Adduction d'eau potable du quartier Khasso, 60 000 000: ANICT 48 000 000, commune 6 000 000, population 6 000 000;
- Centre de formation des jeunes et des migrants de retour, 30 000 000: PTF 21 000 000, Enndam Jombuku 6 000 000,
  commune 3 000 000 (nothing recorded in 2025);
- Restauration du Tata, 25 000 000: État 12 500 000, Villetaneuse 7 500 000, Enndam Jombuku 5 000 000.
"""
from __future__ import annotations

import io
import random
import re
import uuid
from decimal import ROUND_HALF_UP, Decimal

import docx
import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import Page, expect

from plans.accounts.models import Role
from tests.e2e.test_plan_map import _live_app

pytestmark = pytest.mark.e2e

YEAR = 2025
COSTS = {"Extension du CSCOM": 45_000_000, "Adduction d'eau potable du quartier Khasso": 60_000_000,
         "Centre de formation des jeunes et des migrants de retour": 30_000_000, "Restauration du Tata": 25_000_000}
ENNDAM_PROMISED = 4_500_000 + 6_000_000 + 5_000_000  # its three lines in the PIP
# What the planner types: per action, the form's fields and (mobilised, paid) per funding line in the action's order.
TYPED = {
    "Extension du CSCOM": {
        "status": "Réalisé", "progress": 100, "start": "2025-02-03", "end": "2025-11-28",
        "contractor": "Entreprise Diarra & Frères", "functioning": "Fonctionnel",
        "money": [(31_500_000, 31_500_000), (2_500_000, 2_500_000), (9_000_000, 9_000_000)],
        "photo": ("cscom-reception.jpg", "Le CSCOM à sa réception provisoire")},
    "Restauration du Tata": {
        "status": "Réalisé", "progress": 100, "start": "2025-03-10", "end": "2025-10-30",
        "contractor": "Atelier du patrimoine de Kayes", "functioning": "Fonctionnel",
        "money": [(12_500_000, 12_500_000), (7_500_000, 7_000_000), (1_000_000, 1_000_000)],
        "photo": ("tata-restaure.jpg", "Le Tata restauré")},
    "Adduction d'eau potable du quartier Khasso": {
        "status": "En cours", "progress": 30, "start": "2025-09-15", "end": "",
        "contractor": "Société malienne de forages", "functioning": None,
        "money": [(20_000_000, 12_000_000), (3_000_000, 3_000_000), (0, 0)]},
}
ENNDAM_LINE = {"Extension du CSCOM": 1, "Restauration du Tata": 2}  # the index of Enndam Jombuku's line


@pytest.fixture(scope="module")
def adopted_copy(live_server):
    """The id of an adopted copy of Koniakary's plan, with no execution recorded."""
    import sqlalchemy as sa

    from app.extensions import db
    from plans.accounts.models import User
    from plans.demo import data as D
    from plans.demo import seed
    from plans.owners import service as owners_service
    from plans.planning.models import Plan, PlanStatus

    app = _live_app()
    with app.app_context():
        spec = {**D.TEST_CASES[0], "uuid": str(uuid.uuid4()), "title": "PDESC de Koniakary (bilan 2025)"}
        owner = owners_service.commune_owner(db.session, "ML010115")
        planner = db.session.scalar(sa.select(User).where(User.email == "planificateur@koniakary.ml"))
        seeded = seed.build_plan(db.session, owner, spec, user=planner, rng=random.Random(16))
        plan = db.session.get(Plan, seeded.id)
        plan.status = PlanStatus.ADOPTE
        db.session.commit()
        plan_id = plan.id
        db.session.remove()
    return plan_id


def _typed(amount: int) -> str:
    """« 31 500 000 »: an amount as a planner types it."""
    return f"{amount:,}".replace(",", " ")


def _rate(part: int, whole: int) -> str:
    """part ÷ whole in %, 2 decimals, halves up, as the review prints it (« 49,06 % »)."""
    value = (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return f"{value} %".replace(".", ",")


def _money(amount: int) -> str:
    return _typed(amount)


def _photo(text: str) -> bytes:
    """A real JPEG, as a phone would send one (smaller)."""
    image = Image.new("RGB", (640, 480), (170, 120, 70))
    ImageDraw.Draw(image).rectangle((40, 200, 600, 440), fill=(220, 210, 190))
    ImageDraw.Draw(image).text((60, 60), text, fill=(20, 20, 20))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def _plain(text: str) -> str:
    """Text with the narrow and plain no-break spaces of French numbers as ordinary spaces."""
    return re.sub(r"[\u00a0\u202f]", " ", text).strip()


def _rows(document) -> list[list[str]]:
    return [[_plain(cell.text) for cell in row.cells] for table in document.tables for row in table.rows]


def _row(rows: list[list[str]], first: str) -> list[str]:
    found = [r for r in rows if r and r[0] == first]
    assert found, f"aucune ligne « {first} » dans le bilan"
    return found[0]


def _record(page: Page, title: str, spec: dict) -> None:
    page.get_by_role("link", name=title, exact=True).click()
    expect(page.get_by_role("heading", name=f"Exécution {YEAR} : {title}")).to_be_visible()
    page.get_by_label("État d'exécution").select_option(label=spec["status"])
    page.get_by_label("Avancement physique à la fin de l'année (%)").fill(str(spec["progress"]))
    page.get_by_label("Date de début des travaux").fill(spec["start"])
    if spec["end"]:
        page.get_by_label("Date de fin des travaux").fill(spec["end"])
    page.get_by_label("Entreprise ou prestataire").fill(spec["contractor"])
    if spec["functioning"]:
        page.get_by_label("État de fonctionnement (ouvrage réalisé)").select_option(label=spec["functioning"])
    for i, (mobilised, paid) in enumerate(spec["money"]):
        page.get_by_label("Mobilisé dans l'année (FCFA)").nth(i).fill(_typed(mobilised))
        page.get_by_label("Payé dans l'année (FCFA)").nth(i).fill(_typed(paid))
    page.get_by_role("button", name=f"Enregistrer l'exécution {YEAR}").click()
    expect(page.get_by_text(f"Exécution {YEAR} de « {title} » enregistrée.")).to_be_visible()
    if "photo" not in spec:
        return
    name, caption = spec["photo"]
    page.get_by_role("link", name=title, exact=True).click()
    page.get_by_label("Photo (JPEG, PNG) ou document PDF").set_input_files(
        {"name": name, "mimeType": "image/jpeg", "buffer": _photo(caption)})
    page.get_by_label("Légende").fill(caption)
    page.get_by_role("button", name="Ajouter la pièce").click()
    expect(page.get_by_text(f"« {name} » ajouté aux pièces de l'exécution {YEAR}.")).to_be_visible()
    expect(page.get_by_role("img", name=caption)).to_be_visible()  # its thumbnail
    page.get_by_role("link", name=f"← Exécution {YEAR} du plan").click()


def test_a_planner_records_2025_and_the_annual_review_prints_the_rates_to_the_franc(guarded_page: Page, log_in,
                                                                                      adopted_copy):
    page = log_in(guarded_page)
    page.goto(f"/plans/{adopted_copy}")
    page.get_by_role("link", name="Suivre l'exécution").click()
    page.get_by_role("link", name=str(YEAR), exact=True).click()
    expect(page.get_by_role("heading", name=f"À la fin de {YEAR}")).to_be_visible()
    for title, spec in TYPED.items():
        _record(page, title, spec)

    with page.expect_download() as info:
        page.get_by_role("link", name="Bilan annuel (Word)").click()
    assert info.value.suggested_filename.endswith(f"_{YEAR}.docx")
    document = docx.Document(io.BytesIO(info.value.path().read_bytes()))
    rows = _rows(document)

    # By hand, from the amounts typed above.
    planned = sum(COSTS.values())  # 160 000 000
    mobilised = sum(m for spec in TYPED.values() for m, _ in spec["money"])  # 87 000 000
    paid = sum(p for spec in TYPED.values() for _, p in spec["money"])  # 78 500 000
    weighted = sum(COSTS[title] * spec["progress"] for title, spec in TYPED.items())  # Σ cost × progress
    assert (planned, mobilised, paid) == (160_000_000, 87_000_000, 78_500_000)
    assert _row(rows, "Coût prévu du plan (FCFA)")[-1] == _money(planned)
    assert _row(rows, f"Mobilisé à la fin de {YEAR} (FCFA)")[-1] == _money(mobilised)
    assert _row(rows, f"Payé à la fin de {YEAR} (FCFA)")[-1] == _money(paid)
    assert _row(rows, "Taux de réalisation physique")[-1] == _rate(weighted, planned * 100) == "55,00 %"
    assert _row(rows, "Taux d'exécution financière (payé ÷ coût prévu)")[-1] == _rate(paid, planned) == "49,06 %"
    assert _row(rows, "Taux de mobilisation (mobilisé ÷ coût prévu)")[-1] == _rate(mobilised, planned) == "54,38 %"
    assert _row(rows, "Actions")[-1] == "1 prévu, 1 en cours, 2 réalisé"

    # The diaspora association: promised over the PIP, received and paid in 2025.
    enndam_mobilised = sum(TYPED[t]["money"][i][0] for t, i in ENNDAM_LINE.items())  # 3 500 000
    enndam_paid = sum(TYPED[t]["money"][i][1] for t, i in ENNDAM_LINE.items())
    enndam = next(r for r in rows if r and r[0] == "Enndam Jombuku" and _money(ENNDAM_PROMISED) in r)
    assert enndam[1:] == [_money(ENNDAM_PROMISED), _money(enndam_mobilised), _money(enndam_paid),
                          _rate(enndam_mobilised, ENNDAM_PROMISED), _rate(enndam_paid, ENNDAM_PROMISED)]
    assert _rate(enndam_mobilised, ENNDAM_PROMISED) == "22,58 %"  # partly received

    # Per action: the CSCOM's rate, and the works' state.
    cscom = next(r for r in rows if "Extension du CSCOM" in r and "Réalisé" in r)
    cscom_paid = sum(p for _, p in TYPED["Extension du CSCOM"]["money"])
    assert _money(cscom_paid) in cscom and _rate(cscom_paid, COSTS["Extension du CSCOM"]) in cscom  # 95,56 %
    assert "Fonctionnel" in cscom
    water = next(r for r in rows if "Adduction d'eau potable du quartier Khasso" in r and "En cours" in r)
    assert "30,00 %" in water

    # The photos of the two realised works, sent through the form, are in the review.
    assert len(document.inline_shapes) == 2
    texts = [_plain(p.text) for p in document.paragraphs]
    for spec in TYPED.values():
        if "photo" in spec:
            assert any(spec["photo"][1] in t for t in texts), spec["photo"][1]

    # The DGCT sees it on the national map: Koniakary coloured by this plan's financial rate, the same 49,06 %.
    page.get_by_role("button", name="Se déconnecter").click()
    log_in(page, Role.REVIEWER)
    page.goto(f"/carte-nationale?statut=adopte&periode={YEAR}&region=ML01")
    expect(page.locator("path.commune-shape")).to_have_count(701, timeout=30_000)
    page.get_by_label("Indicateur", exact=True).select_option(label="Exécution financière (payé ÷ coût prévu)")
    row = page.locator("#nat-rows tr", has=page.get_by_role("rowheader", name="Koniakary", exact=True))
    expect(row.get_by_role("link").first).to_have_attribute("href", f"/plans/{adopted_copy}")
    cells = row.locator("td.num")
    expect(cells.nth(-4)).to_have_text(str(YEAR))
    expect(cells.nth(-3)).to_have_text(_rate(weighted, planned * 100).replace(" ", "\u00a0"))
    expect(cells.nth(-2)).to_have_text(_rate(paid, planned).replace(" ", "\u00a0"))
    # 25 to 50 %: the third class of the legend (the communes are restyled once the indicator's figures arrive)
    page.wait_for_function("""() => { var out = null;
        window.nationalMap.state.communes.eachLayer(l => {
            if (l.feature.properties.c === 'ML010115') { out = l.options.fillColor; } });
        return out === '#feb24c'; }""", timeout=15_000)
    page.evaluate("""() => window.nationalMap.state.communes.eachLayer(l => {
        if (l.feature.properties.c === 'ML010115') { l.openTooltip(); } })""")
    expect(page.locator(".leaflet-tooltip")).to_contain_text(_rate(paid, planned).replace(" ", "\u00a0") + " (fin ")
