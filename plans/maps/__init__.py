"""Maps of a plan: the interactive folium map (plan_map) and the static PNG (static_map), with their shared style.

Both builders are pure (plan in, folium.Map / PNG bytes out) and work offline: no tile, no CDN (offline.py).
This module holds only constants, so importing it costs nothing: folium and matplotlib load with the builder.

Colours: one fixed colour per sector key of plans/core/vocab.py SECTORS, the same on screen, in the PNG and in the
Word export, so a council member who learned "blue = hydraulique" on one reads the others. The 19 colours are
Kelly's and Tableau's distinct hues, checked distinct in tests/plans/test_maps.py; an unknown sector (an older
plan file) is grey.
"""
from __future__ import annotations

SECTOR_COLOURS: dict[str, str] = {
    "education": "#1f77b4",
    "sante": "#d62728",
    "hydraulique": "#17becf",
    "assainissement": "#8c564b",
    "agriculture": "#2ca02c",
    "elevage": "#bcbd22",
    "peche": "#0b3d91",
    "environnement": "#006400",
    "commerce": "#ff7f0e",
    "artisanat": "#c49c94",
    "energie": "#ffd700",
    "transport": "#7f7f7f",
    "infrastructures": "#393b79",
    "culture_jeunesse": "#e377c2",
    "promotion_feminine": "#9467bd",
    "gouvernance": "#000000",
    "migration": "#ff1493",
    "securite_alimentaire": "#98df8a",
    "emploi": "#aec7e8",
}
UNKNOWN_SECTOR_COLOUR = "#bdbdbd"

# The attribution of foreign boundaries (geodata/SOURCES.md), added when foreign units are drawn; Mali's is
# plans.territory.models.BOUNDARY_ATTRIBUTION.
FOREIGN_ATTRIBUTION = "geoBoundaries (CC BY 4.0)"

# Territory styles (Leaflet path options; the PNG reads the same colours).
TERRITORY_STYLE = {"color": "#5b4a2f", "weight": 2, "fillColor": "#f3ead3", "fillOpacity": 0.55}
MEMBER_STYLE = {"color": "#8a7a5c", "weight": 1, "fillColor": "#f3ead3", "fillOpacity": 0.55}
FOREIGN_MEMBER_STYLE = {"color": "#2b6cb0", "weight": 1.5, "dashArray": "6 4", "fillColor": "#dbe7f5",
                        "fillOpacity": 0.55}
UNION_OUTLINE_STYLE = {"color": "#5b4a2f", "weight": 2.5, "fill": False}
DIASPORA_COLOUR = "#e0a100"  # the ring around an action financed by the diaspora

# Labels users read.
DIASPORA_GROUP = "Financé par la diaspora"
TERRITORY_GROUP = "Territoire"
MASKED_LABEL = "localisation masquée"
# A masked site drawn for a reader who may see it (plans/accounts/access.py `can_see_masked_location`).
MASKED_SHOWN_LABEL = "localisation masquée, visible des seuls planificateurs de la collectivité et administrateurs"
NOT_LOCATED_LABEL = "non localisée"
APPROXIMATE_LABEL = "localisation approximative"
NO_AXIS_LABEL = "Sans axe stratégique"


def sector_colour(sector: str | None) -> str:
    return SECTOR_COLOURS.get(sector or "", UNKNOWN_SECTOR_COLOUR)

