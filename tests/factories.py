"""Builders of realistic records for tests (the domain brief's test cases TC2 and TC3).

Member lists come from geodata/mali_communes.csv (OCHA COD-AB 2015 P-codes; names there carry no accents).
"""
from __future__ import annotations

from datetime import date

from plans import owners_service
from plans.owners import OwnerKind, PlanOwner

# The 12 communes of the old cercle de Yélimané (domain brief §3). The OCHA 2015 layer puts 11 of them in the cercle
# ML0107 and Konsiga (ML010116) in the cercle de Kayes (ML0101).
YELIMANE_CERCLE = "ML0107"
YELIMANE_CODES = (
    "ML010701",  # Diafounou Diongaga
    "ML010702",  # Diafounou Gory
    "ML010703",  # Fanga
    "ML010704",  # Gory
    "ML010705",  # Guidime
    "ML010706",  # Kirane Kaniaga
    "ML010116",  # Konsiga (cercle de Kayes in the OCHA layer)
    "ML010707",  # Kremis
    "ML010708",  # Marekaffo
    "ML010709",  # Soumpou
    "ML010710",  # Toya
    "ML010711",  # Tringa
)
YELIMANE_NAME = "Syndicat intercommunal du cercle de Yélimané (SICM)"

# GLCT-Kénédougou (May 2024): 7 Malian communes (spellings of the OCHA layer in comments) and 6 of Burkina Faso.
KENEDOUGOU_MALI_CODES = (
    "ML030703",  # Danderesso (Dandérésso)
    "ML030502",  # Diouradougou Kafo (Diouradougou-Kafo)
    "ML030711",  # Finkolo
    "ML030506",  # Goudie Sougouna, alt. Gouadie Sougouna (Gouadié-Sougouna)
    "ML030205",  # Koury
    "ML030733",  # Nongo-Souala (Nongon-Souala)
    "ML030208",  # Ourikela (Ourikéla)
)
KENEDOUGOU_BFA_NAMES = ("Faramana", "Kayan", "Koloko", "Morolaba", "N'Dorola", "Sindo")
KENEDOUGOU_NAME = "GLCT-Kénédougou"


def yelimane_grouping(session, *, name: str = YELIMANE_NAME, commit: bool = True) -> PlanOwner:
    """The SICM: a syndicat of the 12 communes of the cercle de Yélimané."""
    owner = owners_service.create_grouping(
        session, kind=OwnerKind.SYNDICAT, name=name, founding_act_ref="Arrêté n°0042/CY du 12 mars 2004",
        founding_act_date=date(2004, 3, 12), member_codes=YELIMANE_CODES, tutelle_authority="Préfet de Yélimané")
    if commit:
        session.commit()
    return owner


def kenedougou_grouping(session, *, name: str = KENEDOUGOU_NAME, commit: bool = True) -> PlanOwner:
    """GLCT-Kénédougou: 7 mapped Malian communes and 6 Burkinabè communes known only by name."""
    owner = owners_service.create_grouping(
        session, kind=OwnerKind.GLCT, name=name, founding_act_ref="Convention de création du GLCT-Kénédougou",
        founding_act_date=date(2024, 5, 1), member_codes=KENEDOUGOU_MALI_CODES,
        foreign_by_name=[(n, "BFA") for n in KENEDOUGOU_BFA_NAMES], tutelle_authority="Gouverneur de Sikasso")
    if commit:
        session.commit()
    return owner
