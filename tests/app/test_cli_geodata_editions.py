"""`flask geodata import-edition` and `flask geodata editions`: the README's "newer edition" commands, as typed."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from plans.territory.models import AdminUnit, TerritoryEdition
from tests.derived_edition import MERGED_INTO, build_derived, ocha_communes, zipped_shapefile


@pytest.fixture(scope="module")
def derived(tmp_path_factory) -> dict:
    return build_derived(tmp_path_factory.mktemp("edition"))


def test_the_readme_commands_load_an_edition_and_list_it(runner, session, derived):
    result = runner.invoke(args=[
        "geodata", "import-edition", "dnct-2024", "--regions", str(derived["regions"]),
        "--cercles", f"{derived['gpkg']}:adm2", "--communes", f"{derived['gpkg']}:communes_2024",
        "--column", "communes.code=code_com", "--column", "communes.name=nom_com", "--column", "communes.parent=cercle",
        "--title", "DNCT 2024 (essai)", "--valid-on", "2024-09-24", "--licence", "CC BY 4.0"])
    assert result.exit_code == 0, result.output
    assert "Édition dnct-2024 : 1 régions, 1 cercles, 29 communes (31 créées, 0 mises à jour)" in result.output
    result = runner.invoke(args=["geodata", "editions"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "dnct-2024 (courante) — DNCT 2024 (essai), 2024-09-24 : 1 régions, 1 cercles, 29 communes"
    assert lines[1:] == [
        "reforme-2023-regions — Réforme de 2023 : régions (liste, sans limites), 2024-09-24 : 20 régions, 0 cercles, "
        "0 communes",
        "ocha-cod-ab-2015 — OCHA COD-AB 2015, 2015-04-08 : 9 régions, 50 cercles, 701 communes, "
        "2 communes sans géométrie"]
    assert session.scalar(sa.select(AdminUnit.name).join(TerritoryEdition).where(
        TerritoryEdition.key == "dnct-2024", AdminUnit.code == MERGED_INTO)) == "Colimbine-Diamou"


def test_a_refused_file_is_explained_in_french_and_nothing_is_loaded(runner, session, derived, tmp_path):
    frame = ocha_communes(derived)
    frame.loc[frame.index[1], "ADM3_PCODE"] = frame.loc[frame.index[0], "ADM3_PCODE"]
    result = runner.invoke(args=[
        "geodata", "import-edition", "dnct-2024", "--regions", str(derived["regions"]),
        "--cercles", f"{derived['gpkg']}:adm2", "--communes", str(zipped_shapefile(frame, tmp_path / "c.zip"))])
    assert result.exit_code == 1
    assert "Édition refusée, rien n'a été chargé :" in result.output
    assert f"le code {frame.iloc[0]['ADM3_PCODE']} figure 2 fois" in result.output
    assert session.scalar(sa.select(TerritoryEdition).where(TerritoryEdition.key == "dnct-2024")) is None
    result = runner.invoke(args=["geodata", "import-edition", "Nouvelle édition", "--regions", "x.gpkg"])
    assert result.exit_code == 1
    assert "Nom d'édition « Nouvelle édition » invalide" in result.output
    assert "Fichiers manquants : cercles, communes" in result.output
