"""Where the diaspora lives: approximate coordinates of host cities and countries (for the diaspora links map).

    locate("FR", "Paris, Villetaneuse")  → Place(48.86, 2.35, "Paris", "FR", CITY)
    locate("GA", "Port-Gentil")          → Place(0.39, 9.45, "Libreville", "GA", COUNTRY)  (the country's point)
    locate("ZZ", "")                     → Place(None, None, "position inconnue", "ZZ", UNKNOWN)

- `CITIES`: ISO 3166-1 alpha-2 → {city name: (lat, lon)}, the capital or main cities where Malian associations
  are found. Coordinates are those of the city centre, rounded to 2 decimals (about 1 km): a map of the world
  needs no more, and a city point says nothing about where anyone lives.
- `COUNTRY_POINT`: the city that stands for the country when the association's city is not in the table (or
  not given): the capital, except Côte d'Ivoire (Abidjan, the economic capital where the diaspora lives, rather
  than Yamoussoukro). Not a geometric centroid: a capital is a place people recognise on a map.
- Anything else is UNKNOWN ("position inconnue"): listed in the table twin, never drawn.
City names are matched with plans.core.text.search_key (case, accents and punctuation ignored), with a few aliases
("Bruxelles"/"Brussels"); a host city typed as a list ("Paris, Villetaneuse, Montreuil") takes the first known.
`locate_section(text)` reads one line of an association's "sections" (a city or a country name in French:
"Gabon", "Côte d'Ivoire", "Libreville (Gabon)") the same way.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from plans.core.formatting import countries
from plans.core.text import search_key

CITY, COUNTRY, UNKNOWN = "ville", "pays", "inconnue"
UNKNOWN_LABEL = "position inconnue"
APPROXIMATE_LABEL = "position approximative (capitale du pays)"

# ISO-2 → {city: (lat, lon)}; the first city of each country is its COUNTRY_POINT unless listed there.
CITIES: dict[str, dict[str, tuple[float, float]]] = {
    "FR": {"Paris": (48.86, 2.35), "Montreuil": (48.86, 2.44), "Villetaneuse": (48.96, 2.34),
           "Saint-Denis": (48.94, 2.36), "Aubervilliers": (48.91, 2.38), "Mantes-la-Jolie": (48.99, 1.72),
           "Créteil": (48.79, 2.46), "Marseille": (43.30, 5.37), "Lyon": (45.76, 4.84)},
    "ES": {"Madrid": (40.42, -3.70), "Barcelone": (41.39, 2.17), "Lérida": (41.62, 0.62),
           "Almería": (36.84, -2.46)},
    "IT": {"Rome": (41.90, 12.50), "Milan": (45.46, 9.19), "Turin": (45.07, 7.69), "Naples": (40.85, 14.27)},
    "US": {"Washington": (38.91, -77.04), "New York": (40.71, -74.01), "Atlanta": (33.75, -84.39),
           "Cincinnati": (39.10, -84.51)},
    "CI": {"Abidjan": (5.35, -4.01), "Yamoussoukro": (6.83, -5.29), "Bouaké": (7.69, -5.03)},
    "SN": {"Dakar": (14.69, -17.45), "Touba": (14.85, -15.88)},
    "GA": {"Libreville": (0.39, 9.45), "Port-Gentil": (-0.72, 8.78)},
    "CG": {"Brazzaville": (-4.27, 15.28), "Pointe-Noire": (-4.78, 11.86)},
    "CD": {"Kinshasa": (-4.33, 15.31), "Lubumbashi": (-11.66, 27.48)},
    "GN": {"Conakry": (9.54, -13.68)},
    "GQ": {"Malabo": (3.75, 8.78), "Bata": (1.86, 9.77)},
    "MR": {"Nouakchott": (18.09, -15.98), "Nouadhibou": (20.94, -17.04)},
    "BF": {"Ouagadougou": (12.37, -1.52), "Bobo-Dioulasso": (11.18, -4.30)},
    "NE": {"Niamey": (13.51, 2.13)},
    "AO": {"Luanda": (-8.84, 13.23)},
    "LR": {"Monrovia": (6.30, -10.80)},
    "GH": {"Accra": (5.60, -0.19), "Kumasi": (6.69, -1.62)},
    "NG": {"Abuja": (9.06, 7.49), "Lagos": (6.52, 3.38)},
    "CM": {"Yaoundé": (3.87, 11.52), "Douala": (4.05, 9.70)},
    "DZ": {"Alger": (36.75, 3.06), "Tamanrasset": (22.79, 5.53)},
    "MA": {"Rabat": (34.02, -6.84), "Casablanca": (33.57, -7.59)},
    "BE": {"Bruxelles": (50.85, 4.35)},
    "DE": {"Berlin": (52.52, 13.40)},
    "GB": {"Londres": (51.51, -0.13)},
    "CA": {"Ottawa": (45.42, -75.70), "Montréal": (45.50, -73.57)},
    "CN": {"Pékin": (39.90, 116.40), "Canton": (23.13, 113.26)},
    "AE": {"Abou Dabi": (24.45, 54.38), "Dubaï": (25.20, 55.27)},
    "SA": {"Riyad": (24.71, 46.68), "Djeddah": (21.49, 39.19)},
    "TG": {"Lomé": (6.13, 1.22)},
    "GM": {"Banjul": (13.45, -16.58)},
    "GW": {"Bissau": (11.86, -15.60)},
    "SL": {"Freetown": (8.48, -13.23)},
    "TD": {"N'Djamena": (12.13, 15.06)},
    "PT": {"Lisbonne": (38.72, -9.14)},
    "TN": {"Tunis": (36.81, 10.18)},
    "EG": {"Le Caire": (30.04, 31.24)},
}
COUNTRY_POINT: dict[str, str] = {code: next(iter(cities)) for code, cities in CITIES.items()}

# Other spellings users type → the name in CITIES.
ALIASES: dict[str, str] = {
    "Brussels": "Bruxelles", "London": "Londres", "New-York": "New York", "NYC": "New York",
    "Beijing": "Pékin", "Guangzhou": "Canton", "Dubai": "Dubaï", "Abu Dhabi": "Abou Dabi", "Riyadh": "Riyad",
    "Jeddah": "Djeddah", "Algiers": "Alger", "Barcelona": "Barcelone", "Lleida": "Lérida", "Roma": "Rome",
    "Milano": "Milan", "Torino": "Turin", "Napoli": "Naples", "Washington DC": "Washington",
    "Lisboa": "Lisbonne", "Cairo": "Le Caire", "Ndjamena": "N'Djamena",
}
# Country names in sections that the ISO list spells differently.
COUNTRY_ALIASES: dict[str, str] = {
    "Congo": "CG", "Congo-Brazzaville": "CG", "Congo Brazzaville": "CG", "RDC": "CD", "Congo-Kinshasa": "CD",
    "République démocratique du Congo": "CD", "Etats-Unis": "US", "États-Unis": "US", "USA": "US",
    "Angleterre": "GB", "Royaume-Uni": "GB", "Côte d'Ivoire": "CI", "Guinée équatoriale": "GQ",
    "Emirats arabes unis": "AE", "Émirats": "AE", "Arabie saoudite": "SA", "Chine": "CN",
}


@dataclass(frozen=True)
class Place:
    lat: float | None
    lon: float | None
    city: str  # the city drawn ("Paris"), or UNKNOWN_LABEL
    country: str  # ISO-2, upper case ("" when not known)
    precision: str  # CITY, COUNTRY or UNKNOWN

    @property
    def known(self) -> bool:
        return self.precision != UNKNOWN

    @property
    def key(self) -> tuple[str, str]:
        return self.country, self.city

    @property
    def precision_label(self) -> str:
        return {CITY: "", COUNTRY: APPROXIMATE_LABEL, UNKNOWN: UNKNOWN_LABEL}[self.precision]


@lru_cache(maxsize=1)
def _city_index() -> dict[str, list[tuple[str, str]]]:
    """search_key(city) → [(country, city name)] (a name may exist in two countries)."""
    index: dict[str, list[tuple[str, str]]] = {}
    for country, cities in CITIES.items():
        for name in cities:
            index.setdefault(search_key(name), []).append((country, name))
    for alias, name in ALIASES.items():
        for country, cities in CITIES.items():
            if name in cities:
                index.setdefault(search_key(alias), []).append((country, name))
    return index


@lru_cache(maxsize=1)
def _country_index() -> dict[str, str]:
    index = {search_key(name): code for code, name in countries()}
    index.update({search_key(name): code for name, code in COUNTRY_ALIASES.items()})
    return index


_SPLIT = re.compile(r"[,;/\n()]+|\s+[-–—]\s+|\s+et\s+")


def _parts(text: str | None) -> list[str]:
    return [p.strip() for p in _SPLIT.split(text or "") if p.strip()]


def _city(country: str, name: str) -> Place:
    lat, lon = CITIES[country][name]
    return Place(lat, lon, name, country, CITY)


def country_place(country: str | None) -> Place:
    """The country's point (COUNTRY precision), or UNKNOWN when the country is not in the table."""
    code = (country or "").strip().upper()
    if code in COUNTRY_POINT:
        name = COUNTRY_POINT[code]
        lat, lon = CITIES[code][name]
        return Place(lat, lon, name, code, COUNTRY)
    return Place(None, None, UNKNOWN_LABEL, code, UNKNOWN)


def locate(country: str | None, city: str | None = "") -> Place:
    """The host city's point when known (in `country`), else the country's point, else UNKNOWN."""
    code = (country or "").strip().upper()
    for part in _parts(city):
        for found_country, name in _city_index().get(search_key(part), ()):
            if found_country == code:
                return _city(code, name)
    return country_place(code)


def locate_section(text: str | None) -> Place:
    """One line of an association's sections: "Libreville", "Gabon", "Libreville (Gabon)", "Lyon, France"."""
    parts = _parts(text)
    countries = [_country_index()[search_key(p)] for p in parts if search_key(p) in _country_index()]
    for part in parts:
        matches = _city_index().get(search_key(part), ())
        for found_country, name in matches:
            if not countries or found_country in countries:
                return _city(found_country, name)
    if countries:
        return country_place(countries[0])
    return Place(None, None, UNKNOWN_LABEL, "", UNKNOWN)


def section_lines(sections: str | None) -> list[str]:
    """The association's sections abroad, one per non-empty line."""
    return [line.strip() for line in (sections or "").splitlines() if line.strip()]
