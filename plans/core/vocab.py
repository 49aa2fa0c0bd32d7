"""Controlled lists of the plan form, with the French labels users read (docs/DOMAIN.md §5–§10).

Keys are stored in the database and in plan files; labels may be reworded without a migration.
"""
from __future__ import annotations

SECTORS = {
    "education": "Éducation",
    "sante": "Santé",
    "hydraulique": "Hydraulique (AEP, forages)",
    "assainissement": "Assainissement",
    "agriculture": "Agriculture",
    "elevage": "Élevage",
    "peche": "Pêche",
    "environnement": "Environnement et ressources naturelles",
    "commerce": "Commerce",
    "artisanat": "Artisanat",
    "energie": "Énergie et PME",
    "transport": "Transport et pistes",
    "infrastructures": "Infrastructures communales (mairie, marché)",
    "culture_jeunesse": "Culture, jeunesse, sport et tourisme",
    "promotion_feminine": "Promotion féminine",
    "gouvernance": "Gouvernance et mobilisation des ressources",
    "migration": "Migration et développement",
    "securite_alimentaire": "Sécurité alimentaire",
    "emploi": "Emploi et formation professionnelle",
}

PROCESS_STEPS = {
    "lancement": "Lancement et campagne d'information",
    "mise_en_route": "Mise en route et pilotage (comité de pilotage communal)",
    "revue_documentaire": "Revue documentaire",
    "diagnostic": "Diagnostic technique et participatif",
    "diagnostic_migratoire": "Diagnostic migratoire (avec la diaspora)",
    "concertation": "Journées de concertation intercommunautaire",
    "atelier_planification": "Atelier de planification (priorisation)",
    "redaction": "Rédaction",
    "restitution": "Restitution publique",
    "adoption": "Adoption par le conseil",
    "accompagnement": "Mesures d'accompagnement",
    "autre": "Autre étape",
}

GUIDE_VERSIONS = {
    "2009": "Guide national 2008/2009",
    "2018": ("Guide national révisé (décembre 2018 : changement climatique, genre, sécurité alimentaire, "
             "migration, cohésion sociale)"),
    "2024": "Guide national révisé (2024 : objectifs de développement durable)",
}

POPULATION_SOURCES = {
    "rgph_1998": "RGPH 1998",
    "rgph_2009": "RGPH 2009",
    "rgph_2022": "RGPH 2022",
    "estimation": "Estimation",
    "autre": "Autre source",
}

RELIABILITY = {"mesure": "Mesuré", "estime": "Estimé", "declaratif": "Déclaratif"}

TRENDS = {"hausse": "En hausse", "stable": "Stable", "baisse": "En baisse", "inconnue": "Inconnue"}

CODEV_STATES = {"fonctionnel": "Fonctionnel", "en_panne": "En panne", "abandonne": "Abandonné"}

ACTION_STATUSES = {
    "prevu": "Prévu",
    "finance": "Financé",
    "en_cours": "En cours",
    "realise": "Réalisé",
    "abandonne": "Abandonné",
}

# An action's state in one year of the plan's execution (plans/execution/), distinct from the PIP's planned status.
EXECUTION_STATUSES = {
    "prevu": "Prévu",
    "en_cours": "En cours",
    "realise": "Réalisé",
    "suspendu": "Suspendu",
    "abandonne": "Abandonné",
}

MIGRATION_TAGS = {
    "diaspora": "Financé par la diaspora",
    "retour": "Réinsertion des migrants de retour",
    "emploi_jeunes": "Emploi des jeunes",
    "sensibilisation": "Sensibilisation sur la migration irrégulière",
    "deplacement": "Déplacement (PDI, rapatriés)",
}

LOCATION_PRECISIONS = {
    "exacte": "Point exact",
    "approximative": "Approximative (centre de la localité)",
    "masquee": "Masquée (site sensible)",
}

FUNDING_SOURCES = {
    "budget_communal": "Budget communal",
    "population": "Population bénéficiaire",
    "etat": "État",
    "anict": "ANICT / FNACT",
    "ptf": "Partenaire technique et financier (PTF)",
    "ong": "ONG",
    "association_diaspora": "Association de la diaspora",
    "cooperation_decentralisee": "Coopération décentralisée",
    "programme_codev": "Programme de codéveloppement",
    "prive": "Privé",
    "autre": "Autre",
}
# Internal resources (ressources internes) as PDESC financing tables split them; the rest is external.
INTERNAL_SOURCES = frozenset({"budget_communal", "population"})
DIASPORA_SOURCES = frozenset({"association_diaspora"})

FUNDING_STATUSES = {"acquis": "Acquis", "promis": "Promis", "a_rechercher": "À rechercher"}

INDICATOR_CATEGORIES = {
    "jmdi_institutionnel": "Migration — dispositif institutionnel (JMDI)",
    "jmdi_politique": "Migration — politiques et pratiques (JMDI)",
    "sectoriel": "Sectoriel",
    "gouvernance": "Gouvernance",
}

FINDING_THEMES = {"migration": "Migration", **{k: v for k, v in SECTORS.items() if k != "migration"}}

# What a DGCT reviewer checks on a PDL-M (plans/review/comments.py); keys are stored (review_check.key, 40 max).
REVIEW_CHECKLIST = {
    "diagnostic_migratoire": "Diagnostic migratoire renseigné (émigrés, destinations, transferts, retours), "
                             "sources et fiabilité indiquées",
    "actions_migration": "Actions en faveur des migrants, des migrants de retour et de la diaspora inscrites au PIP",
    "objectifs_constats": "Objectifs reliés aux constats clés du diagnostic",
    "capacites_financieres": "PIP cohérent avec les capacités financières de la collectivité "
                             "(ressources internes, financements acquis ou promis)",
    "participation": "Participation des femmes, des jeunes et de la diaspora à la démarche d'élaboration",
    "indicateurs": "Indicateurs de suivi avec leur situation de référence et leurs cibles",
    "deliberation": "Délibération d'adoption prévue par le conseil (session, puis numéro et date)",
}


def label(vocabulary: dict[str, str], key: str | None) -> str:
    """The French label of a key, or the key itself if an older plan file used one we no longer list."""
    if not key:
        return ""
    return vocabulary.get(key, key)


def choices(vocabulary: dict[str, str], blank: str | None = None) -> list[tuple[str, str]]:
    items = list(vocabulary.items())
    return [("", blank)] + items if blank is not None else items
