"""The content of the demo plans: the three test cases of docs/DOMAIN.md §14 and the catalogues random plans draw from.

Published figures (docs/DOMAIN.md §13, §14) are kept as published; everything else is INVENTED for demonstration and
says so in the plan's summary. Member lists of the two groupings live here (tests/factories.py imports them).
Section data below is what plans/planning/sectiondata/*.apply() accept; amounts are integer FCFA.
"""
from __future__ import annotations

import uuid

# ---------------------------------------------------------------------------------------------------------------
# Groupings (docs/DOMAIN.md §3, §14). Member lists come from geodata/mali_communes.csv (OCHA COD-AB 2015 P-codes).

# The 12 communes of the old cercle de Yélimané. The OCHA 2015 layer puts 11 of them in the cercle ML0107 and
# Konsiga (ML010116) in the cercle de Kayes (ML0101).
YELIMANE_CERCLE = "ML0107"
YELIMANE_CODES = (
    "ML010701",  # Diafounou Diongaga
    "ML010702",  # Diafounou Gory
    "ML010703",  # Fanga
    "ML010704",  # Gory
    "ML010705",  # Guidime (chef-lieu: Yélimané)
    "ML010706",  # Kirane Kaniaga
    "ML010116",  # Konsiga (cercle de Kayes in the OCHA layer)
    "ML010707",  # Kremis
    "ML010708",  # Marekaffo
    "ML010709",  # Soumpou
    "ML010710",  # Toya
    "ML010711",  # Tringa
)
YELIMANE_NAME = "Syndicat intercommunal du cercle de Yélimané (SICM)"
YELIMANE_ACT = {"founding_act_ref": "Arrêté n°0042/CY du 12 mars 2004", "founding_act_date": "2004-03-12",
                "tutelle_authority": "Préfet de Yélimané"}

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
KENEDOUGOU_ACT = {"founding_act_ref": "Convention de création du GLCT-Kénédougou", "founding_act_date": "2024-05-01",
                  "tutelle_authority": "Gouverneur de Sikasso"}

KONIAKARY_PCODE = "ML010115"

# ---------------------------------------------------------------------------------------------------------------
# Demo accounts beside accounts_service.create_demo_accounts (admin, reviewer, Koniakary planner).

SICM_PLANNER_EMAIL = "planificateur@sicm.demo.ml"
KENEDOUGOU_PLANNER_EMAIL = "planificateur@kenedougou.demo.ml"

# ---------------------------------------------------------------------------------------------------------------
# Test cases: fixed uuids, so re-running the seed recognises them.

_NAMESPACE = uuid.UUID("6f1d3a52-0c7e-4b8e-9a51-5d2f0e7c4b10")
TC1_UUID = str(uuid.uuid5(_NAMESPACE, "tc1-koniakary-2025-2029"))
TC2_UUID = str(uuid.uuid5(_NAMESPACE, "tc2-sicm-yelimane-2025-2029"))
TC3_UUID = str(uuid.uuid5(_NAMESPACE, "tc3-glct-kenedougou-2025-2027"))
TEST_CASE_UUIDS = (TC1_UUID, TC2_UUID, TC3_UUID)

INVENTED = ("Plan de démonstration (cas d'essai {tc} du guide du domaine) : les chiffres publiés sont repris tels "
            "quels, le reste est inventé pour montrer l'outil.")

# --- TC1: commune de Koniakary -------------------------------------------------------------------------------

ENNDAM_JOMBUKU = {
    "name": "Enndam Jombuku", "host_country": "FR", "host_city": "Paris",
    "sections": "Gabon\nSénégal\nCôte d'Ivoire\nCongo\nAngola\nÉtats-Unis",
    "sectors": ["sante", "education", "hydraulique", "culture_jeunesse", "emploi"],
}

TC1 = {
    "uuid": TC1_UUID,
    "title": "PDESC de la commune de Koniakary 2025-2029",
    "period": (2025, 2029),
    "planner": "planificateur@koniakary.demo.ml",
    "identification": {
        "title": "PDESC de la commune de Koniakary 2025-2029", "period_start": 2025, "period_end": 2029,
        "guide_version": "2018",
        "facilitators": "Comité de pilotage communal (CPC) ; services techniques du cercle ; consultant local",
        "process_funders": "Budget communal ; coopération décentralisée avec Villetaneuse ; Enndam Jombuku",
        "summary": INVENTED.format(tc="TC1") + " Koniakary, commune urbaine du cercle de Kayes (cercle de Ségala "
                   "depuis 2023), compte 9 quartiers et une forte diaspora (10 799 émigrés). Le plan prévoit "
                   "quatre actions pour 160 000 000 FCFA, dont 15 500 000 FCFA apportés par la diaspora. "
                   "L'extension du CSCOM suit la clé 70 / 10 / 20 du dispositif d'appui aux investissements de "
                   "la diaspora, mais n'y est pas rattachée : la part du programme (31 500 000 FCFA) dépasse le "
                   "plafond de 30 000 000 FCFA par projet ; elle reste à négocier.",
        "process_steps": [
            {"step": "lancement", "date": "2024-09-12", "place": "Mairie de Koniakary", "place_country": "ML",
             "men": 64, "women": 38, "youth": 25, "diaspora": 3},
            {"step": "mise_en_route", "date": "2024-10-03", "place": "Mairie de Koniakary", "place_country": "ML",
             "men": 14, "women": 6, "youth": 3, "diaspora": 1},
            {"step": "diagnostic", "date": "2024-11-05", "place": "Quartiers de Koniakary (9 assemblées)",
             "place_country": "ML", "men": 212, "women": 187, "youth": 96, "diaspora": 0},
            {"step": "diagnostic_migratoire", "date": "2024-12-14",
             "place": "Villetaneuse, rencontre avec la diaspora (Enndam Jombuku)", "place_country": "FR",
             "men": 41, "women": 9, "youth": 12, "diaspora": 50},
            {"step": "atelier_planification", "date": "2025-01-22", "place": "Koniakary", "place_country": "ML",
             "men": 35, "women": 18, "youth": 10, "diaspora": 4},
            {"step": "restitution", "date": "2025-02-20", "place": "Place publique de Koniakary",
             "place_country": "ML", "men": 150, "women": 120, "youth": 60, "diaspora": 2},
        ],
    },
    "situation": {
        "population_records": [
            {"year": 1998, "value": 7023, "source": "rgph_1998", "note": ""},
            {"year": 2009, "value": 8135, "source": "rgph_2009", "note": ""},
            {"year": 2020, "value": 20143, "source": "estimation",
             "note": "Estimation publiée (miroir de Wikipédia) ; la presse cite « environ 15 000 »."},
        ],
        "sector_diagnostics": [
            {"sector": "sante", "sub_sector": "CSCOM et maternité",
             "findings_text": "Un CSCOM et une maternité construits avec la diaspora ; locaux exigus.",
             "assets": "Maternité (1972) et dispensaire financés par les ressortissants.",
             "constraints": "Salles d'hospitalisation insuffisantes ; pas de bloc pour les accouchements difficiles.",
             "potentials": "Mobilisation d'Enndam Jombuku ; dispositif d'appui aux investissements de la diaspora."},
            {"sector": "hydraulique", "sub_sector": "Adduction d'eau potable",
             "findings_text": "Le quartier Khasso n'est pas desservi par le réseau.",
             "assets": "Nappe accessible ; comité de gestion de l'eau actif.",
             "constraints": "Corvées d'eau des femmes ; puits tarissant en fin de saison sèche.",
             "potentials": "Droits de tirage ANICT."},
            {"sector": "emploi", "sub_sector": "Formation professionnelle",
             "findings_text": "Peu d'offre de formation pour les jeunes et les migrants de retour.",
             "assets": "Savoir-faire rapportés par les migrants de retour.",
             "constraints": "Départs des jeunes faute d'emploi.",
             "potentials": "Partenaires techniques et financiers."},
            {"sector": "culture_jeunesse", "sub_sector": "Patrimoine",
             "findings_text": "Le Tata de Koniakary se dégrade.",
             "assets": "Site historique connu ; jumelage avec Villetaneuse.",
             "constraints": "Aucun budget d'entretien.", "potentials": "Tourisme culturel et mémoire de la diaspora."},
        ],
        "findings": [
            {"theme": "sante", "text": "Le CSCOM ne suffit plus à une population qui a plus que doublé depuis 2009."},
            {"theme": "hydraulique", "text": "Le quartier Khasso n'a pas accès à l'eau potable du réseau."},
            {"theme": "emploi", "text": "Les jeunes et les migrants de retour manquent de formation qualifiante."},
            {"theme": "culture_jeunesse", "text": "Le Tata, patrimoine de la commune, menace ruine."},
        ],
    },
    "migration": {
        "emigrants_total": 10799, "emigrants_internal": 4005, "emigrants_international": 6794, "data_year": 2019,
        "source": "Site de la commune de Koniakary (rubrique « Diaspo monde »)", "reliability": "declaratif",
        "households_with_emigrant_pct": "66", "households_receiving_remittances_pct": "58",
        "remittances_fcfa_per_year": 420_000_000,
        "remittance_uses": "Consommation des ménages, construction, santé, lieux de culte, projets collectifs.",
        "returnees_voluntary": 85, "returnees_forced": 23, "returnee_graduates": 9,
        "returnee_skills_needs": "Maçonnerie, mécanique, commerce ; besoin d'appui à l'installation.",
        "transit_seasonal": "",
        "destinations": [
            {"country": "FR", "city": "Paris, Villetaneuse, Montreuil", "count": 2100, "trend": "stable"},
            {"country": "GA", "city": "Libreville", "count": 1100, "trend": "baisse"},
            {"country": "SN", "city": "Dakar", "count": 800, "trend": "stable"},
            {"country": "CG", "city": "Brazzaville, Pointe-Noire", "count": 650, "trend": "stable"},
            {"country": "CD", "city": "Kinshasa", "count": 450, "trend": "inconnue"},
            {"country": "GN", "city": "Conakry", "count": 400, "trend": "stable"},
            {"country": "GQ", "city": "Malabo", "count": 350, "trend": "baisse"},
            {"country": "CI", "city": "Abidjan", "count": 500, "trend": "hausse"},
            {"country": "US", "city": "New York", "count": 250, "trend": "hausse"},
            {"country": "AO", "city": "Luanda", "count": 194, "trend": "inconnue"},
        ],
        "codev_projects": [
            {"title": "Maternité", "locality": "Koniakary", "sector": "sante", "year": 1972, "cost_fcfa": None,
             "funders": "Ressortissants de Koniakary", "state": "fonctionnel"},
            {"title": "Dispensaire", "locality": "Koniakary", "sector": "sante", "year": None, "cost_fcfa": None,
             "funders": "Ressortissants de Koniakary", "state": "fonctionnel"},
            {"title": "Grande mosquée", "locality": "Koniakary", "sector": "culture_jeunesse", "year": 1980,
             "cost_fcfa": None, "funders": "Ressortissants de Koniakary", "state": "fonctionnel"},
            {"title": "Médiathèque", "locality": "Koniakary", "sector": "education", "year": None,
             "cost_fcfa": None, "funders": "Ville de Villetaneuse (convention du 17 juin 2006)",
             "state": "fonctionnel"},
        ],
        "findings": [
            {"text": "Plus de la moitié des habitants recensés en 2009 vivent hors de la commune : la diaspora "
                     "est un acteur du développement local."},
            {"text": "La diaspora finance depuis 1972 les équipements de santé et de culte ; elle demande à être "
                     "associée au choix et au suivi des projets."},
            {"text": "Les migrants de retour ne trouvent ni formation ni appui pour s'installer."},
        ],
    },
    # Orientations: objectives name their findings by (theme, index among that theme's findings).
    "axes": [
        {"title": "Accès aux services sociaux de base", "general_objective": "Améliorer la santé et l'accès à "
         "l'eau potable de la population de Koniakary.", "migration_crosscutting": False,
         "objectives": [("Améliorer l'accès aux soins de santé maternelle et infantile",
                         [("sante", 0), ("migration", 1)]),
                        ("Améliorer l'accès à l'eau potable", [("hydraulique", 0)])]},
        {"title": "Économie locale, jeunesse et migration", "general_objective": "Faire de la mobilité une "
         "ressource pour l'emploi des jeunes et le patrimoine.", "migration_crosscutting": True,
         "objectives": [("Former et insérer les jeunes et les migrants de retour", [("emploi", 0), ("migration", 2)]),
                        ("Valoriser le patrimoine avec la diaspora", [("culture_jeunesse", 0), ("migration", 0)])]},
    ],
    "priorities": [  # title, axis index, scores on the five suggested criteria
        ("Extension du CSCOM", 0, [5, 5, 3, 5, 3]),
        ("Eau potable à Khasso", 0, [5, 4, 1, 2, 4]),
        ("Centre de formation des jeunes et des migrants de retour", 1, [3, 3, 5, 4, 3]),
        ("Restauration du Tata", 1, [2, 3, 3, 4, 3]),
    ],
    "actions": [
        {"title": "Extension du CSCOM", "sector": "sante", "sub_sector": "CSCOM", "objective": (0, 0),
         "expected_results": "Une salle d'hospitalisation, une salle d'accouchement et un dépôt de médicaments.",
         "localities": "Koniakary (chef-lieu)", "quantity": 1, "unit": "bâtiment", "unit_cost": 45_000_000,
         "maitre_ouvrage": "Commune de Koniakary", "tags": "diaspora", "status": "prevu", "scheme": None,
         "schedule": {2025: 15_000_000, 2026: 30_000_000},
         "lines": [("programme_codev", 70, "Cellule technique du codéveloppement (CTC)", "promis"),
                   ("association_diaspora", 10, "Enndam Jombuku", "acquis"),
                   ("budget_communal", 20, "Commune de Koniakary", "promis")]},
        {"title": "Adduction d'eau potable du quartier Khasso", "sector": "hydraulique", "sub_sector": "AEP",
         "objective": (0, 1), "expected_results": "Un château d'eau, 4 km de réseau et 8 bornes-fontaines.",
         "localities": "Khasso", "quantity": 1, "unit": "réseau", "unit_cost": 60_000_000,
         "maitre_ouvrage": "Commune de Koniakary", "tags": "", "status": "prevu", "scheme": "anict",
         "schedule": {2026: 30_000_000, 2027: 30_000_000},
         "lines": [("anict", 80, "ANICT (droits de tirage)", "promis"),
                   ("budget_communal", 10, "Commune de Koniakary", "promis"),
                   ("population", 10, "Population de Khasso (travaux en nature)", "promis", True)]},
        {"title": "Centre de formation des jeunes et des migrants de retour", "sector": "emploi",
         "sub_sector": "Formation professionnelle", "objective": (1, 0),
         "expected_results": "120 jeunes et migrants de retour formés par an (maçonnerie, mécanique, couture).",
         "localities": "Koniakary (chef-lieu)", "quantity": 1, "unit": "centre", "unit_cost": 30_000_000,
         "maitre_ouvrage": "Commune de Koniakary", "tags": "diaspora,retour,emploi_jeunes", "status": "prevu",
         "scheme": None, "schedule": {2027: 10_000_000, 2028: 20_000_000},
         "lines": [("ptf", 70, "Partenaire technique et financier (à confirmer)", "a_rechercher"),
                   ("association_diaspora", 20, "Enndam Jombuku", "promis"),
                   ("budget_communal", 10, "Commune de Koniakary", "promis")]},
        {"title": "Restauration du Tata", "sector": "culture_jeunesse", "sub_sector": "Patrimoine",
         "objective": (1, 1), "expected_results": "Le Tata consolidé et ouvert aux visiteurs.",
         "localities": "Koniakary (Tata)", "quantity": 1, "unit": "site", "unit_cost": 25_000_000,
         "maitre_ouvrage": "Commune de Koniakary", "tags": "diaspora", "status": "prevu", "scheme": None,
         "schedule": {2025: 5_000_000, 2028: 10_000_000, 2029: 10_000_000},
         "lines": [("etat", 50, "État (Direction nationale du patrimoine culturel)", "promis"),
                   ("cooperation_decentralisee", 30, "Ville de Villetaneuse", "promis"),
                   ("association_diaspora", 20, "Enndam Jombuku", "promis")]},
    ],
    # Baselines (value, year) of the suggested indicators, in SUGGESTED_INDICATORS order; targets per year.
    "indicators": [
        (1, 2024, [1, 2, 2, 3, 3]),
        (0, 2024, [4_500_000, 9_000_000, 11_000_000, 13_000_000, 15_500_000]),
        (0, 2024, ["9.69"] * 5),
        (0, 2024, [0, 1, 1, 2, 3]),
        (0, 2024, [0, 0, 20, 60, 120]),
        (0, 2024, [0, 0, 0, 0, 0]),
        (0, 2024, [1, 1, 1, 1, 1]),
        (2019, 2024, [2025, 2025, 2025, 2027, 2027]),
    ],
}

# --- TC2: SICM, cercle de Yélimané ---------------------------------------------------------------------------

ADCYF = {
    "name": "ADCYF (ressortissants du cercle de Yélimané en France)", "host_country": "FR", "host_city": "Montreuil",
    "sections": "Espagne\nÉtats-Unis\nCôte d'Ivoire\nSénégal",
    "sectors": ["elevage", "sante", "education", "migration"],
}

TC2 = {
    "uuid": TC2_UUID,
    "title": "Plan de développement intercommunal du SICM 2025-2029",
    "period": (2025, 2029),
    "planner": SICM_PLANNER_EMAIL,
    "identification": {
        "title": "Plan de développement intercommunal du SICM 2025-2029", "period_start": 2025, "period_end": 2029,
        "guide_version": "2018",
        "facilitators": "Secrétariat du SICM ; services techniques du cercle de Yélimané",
        "process_funders": "Communes membres ; Ville de Montreuil (coopération décentralisée depuis 1985)",
        "summary": INVENTED.format(tc="TC2") + " Le syndicat réunit les 12 communes de l'ancien cercle de Yélimané "
                   "(153 556 habitants, 5 676 km², 90 % rural), partenaire de Montreuil depuis 1985.",
        "process_steps": [
            {"step": "lancement", "date": "2024-10-08", "place": "Yélimané", "place_country": "ML",
             "men": 48, "women": 22, "youth": 15, "diaspora": 2},
            {"step": "diagnostic", "date": "2024-11-12", "place": "Chefs-lieux des 12 communes",
             "place_country": "ML", "men": 310, "women": 205, "youth": 120, "diaspora": 0},
            {"step": "diagnostic_migratoire", "date": "2024-12-07",
             "place": "Montreuil, rencontre avec les ressortissants du cercle", "place_country": "FR",
             "men": 60, "women": 14, "youth": 18, "diaspora": 74},
            {"step": "concertation", "date": "2025-01-16", "place": "Yélimané", "place_country": "ML",
             "men": 52, "women": 24, "youth": 12, "diaspora": 5},
            {"step": "atelier_planification", "date": "2025-02-11", "place": "Yélimané", "place_country": "ML",
             "men": 40, "women": 16, "youth": 8, "diaspora": 3},
        ],
    },
    "situation": {
        "population_records": [
            {"year": 2009, "value": 153556, "source": "autre",
             "note": "12 communes ; chiffre de l'atlas de la coopération décentralisée (année à confirmer)."},
        ],
        "sector_diagnostics": [
            {"sector": "elevage", "sub_sector": "Commercialisation du bétail",
             "findings_text": "Le bétail est vendu hors du cercle, faute de marché aménagé.",
             "assets": "Cheptel important ; axe vers Kayes et Nioro.", "constraints": "Pas de parc ni de quai.",
             "potentials": "Recettes fiscales pour les communes."},
            {"sector": "migration", "sub_sector": "Connaissance des mobilités",
             "findings_text": "Aucune donnée à jour sur les émigrés du cercle.",
             "assets": "Associations de ressortissants structurées en France.",
             "constraints": "Données dispersées entre communes.", "potentials": "Coopération avec Montreuil."},
        ],
        "findings": [
            {"theme": "elevage", "text": "Le cercle n'a pas de marché à bétail aménagé : les éleveurs vendent "
                                         "ailleurs et les communes perdent des recettes."},
        ],
    },
    "migration": {
        "emigrants_total": 30000, "emigrants_internal": 8000, "emigrants_international": 22000, "data_year": 2024,
        "source": "Estimation de démonstration, à remplacer par les données de l'observatoire",
        "reliability": "estime", "households_with_emigrant_pct": "70", "households_receiving_remittances_pct": "60",
        "remittances_fcfa_per_year": None, "remittance_uses": "Santé, écoles, puits, lieux de culte.",
        "returnees_voluntary": None, "returnees_forced": None, "returnee_graduates": None,
        "returnee_skills_needs": "", "transit_seasonal": "",
        "destinations": [
            {"country": "FR", "city": "Montreuil, Paris", "count": None, "trend": "stable"},
            {"country": "ES", "city": "", "count": None, "trend": "hausse"},
            {"country": "US", "city": "New York", "count": None, "trend": "hausse"},
            {"country": "CG", "city": "", "count": None, "trend": "inconnue"},
            {"country": "CD", "city": "", "count": None, "trend": "inconnue"},
            {"country": "SN", "city": "Dakar", "count": None, "trend": "stable"},
            {"country": "CI", "city": "Abidjan", "count": None, "trend": "stable"},
            {"country": "MR", "city": "Nouakchott", "count": None, "trend": "stable"},
            {"country": "LR", "city": "Monrovia", "count": None, "trend": "inconnue"},
        ],
        "codev_projects": [],
        "findings": [
            {"text": "Les ressortissants en France, en Espagne et aux États-Unis financent une large part des "
                     "équipements du cercle, sans suivi intercommunal."},
            {"text": "Le cercle ne dispose d'aucun outil pour suivre les départs et les retours."},
        ],
    },
    "axes": [
        {"title": "Économie pastorale intercommunale", "general_objective": "Accroître les revenus des éleveurs et "
         "les recettes des communes.", "migration_crosscutting": False,
         "objectives": [("Aménager un marché à bétail intercommunal", [("elevage", 0), ("migration", 0)])]},
        {"title": "Gouvernance de la migration", "general_objective": "Connaître les mobilités pour planifier.",
         "migration_crosscutting": True,
         "objectives": [("Créer un observatoire des migrations du cercle", [("migration", 1)])]},
    ],
    "priorities": [
        ("Marché à bétail intercommunal", 0, [4, 5, 3, 5, 3]),
        ("Observatoire des migrations", 1, [3, 3, 5, 4, 4]),
    ],
    "actions": [
        {"title": "Marché à bétail intercommunal", "sector": "elevage", "sub_sector": "Commercialisation",
         "objective": (0, 0), "expected_results": "Un parc, un quai d'embarquement, un forage et des hangars.",
         "localities": "Yélimané (commune de Guidimé)", "point": "ML010705", "quantity": 1, "unit": "marché",
         "unit_cost": 120_000_000, "maitre_ouvrage": "SICM", "tags": "diaspora", "status": "prevu",
         "scheme": None, "schedule": {2026: 50_000_000, 2027: 70_000_000},
         "lines": [("anict", 60, "ANICT", "promis"),
                   ("budget_communal", 15, "Communes membres (au prorata de leur population)", "promis"),
                   ("association_diaspora", 15, "ADCYF", "promis"),
                   ("cooperation_decentralisee", 10, "Ville de Montreuil", "promis")]},
        {"title": "Observatoire des migrations du cercle", "sector": "migration", "sub_sector": "Données",
         "objective": (1, 0), "expected_results": "Un recensement des émigrés et des retours, mis à jour chaque année.",
         "localities": "Yélimané (commune de Guidimé)", "point": "ML010705", "quantity": 1, "unit": "observatoire",
         "unit_cost": 15_000_000, "maitre_ouvrage": "SICM", "tags": "diaspora,sensibilisation", "status": "prevu",
         "scheme": None, "schedule": {2025: 5_000_000, 2026: 5_000_000, 2027: 5_000_000},
         "lines": [("cooperation_decentralisee", 40, "Ville de Montreuil", "promis"),
                   ("association_diaspora", 20, "ADCYF", "promis"),
                   ("budget_communal", 20, "SICM (cotisations des communes)", "acquis")]},  # 20 % to seek
    ],
    "indicators": [
        (3, 2024, [3, 4, 5, 6, 6]), (0, 2024, [1_000_000, 8_000_000, 13_000_000, 19_000_000, 21_000_000]),
        (0, 2024, ["15.7"] * 5), (0, 2024, [0, 0, 1, 2, 2]), (0, 2024, [0, 10, 20, 30, 40]), (0, 2024, [0] * 5),
        (0, 2024, [1, 1, 1, 1, 1]), (2009, 2024, [2025, 2026, 2027, 2028, 2029]),
    ],
}

# --- TC3: GLCT-Kénédougou ------------------------------------------------------------------------------------

TC3 = {
    "uuid": TC3_UUID,
    "title": "Plan de développement transfrontalier du GLCT-Kénédougou 2025-2027",
    "period": (2025, 2027),
    "planner": KENEDOUGOU_PLANNER_EMAIL,
    "identification": {
        "title": "Plan de développement transfrontalier du GLCT-Kénédougou 2025-2027", "period_start": 2025,
        "period_end": 2027, "guide_version": "2024",
        "facilitators": "Secrétariat du GLCT ; appui de la coopération allemande (GIZ)",
        "process_funders": "GIZ ; communes membres",
        "summary": INVENTED.format(tc="TC3") + " Groupement local de coopération transfrontalière créé en mai "
                   "2024 : 7 communes maliennes (Sikasso) et 6 communes burkinabè. Plan de 3 ans.",
        "process_steps": [
            {"step": "lancement", "date": "2024-09-18", "place": "Sikasso", "place_country": "ML",
             "men": 40, "women": 18, "youth": 10, "diaspora": 0},
            {"step": "diagnostic", "date": "2024-10-22", "place": "Koloko", "place_country": "BF",
             "men": 85, "women": 52, "youth": 30, "diaspora": 0},
            {"step": "concertation", "date": "2024-11-26", "place": "Finkolo", "place_country": "ML",
             "men": 46, "women": 25, "youth": 14, "diaspora": 2},
        ],
    },
    "situation": {
        "population_records": [],
        "sector_diagnostics": [
            {"sector": "hydraulique", "sub_sector": "Forages",
             "findings_text": "Villages frontaliers sans point d'eau moderne ; afflux saisonnier sur les sites "
                              "d'orpaillage.", "assets": "Nappes du socle exploitables.",
             "constraints": "Forages en panne, pas de comités de gestion.", "potentials": "Gestion partagée."},
        ],
        "findings": [
            {"theme": "hydraulique", "text": "L'eau manque dans les villages frontaliers qui accueillent "
                                             "orpailleurs saisonniers et déplacés."},
        ],
    },
    "migration": {
        "emigrants_total": 12000, "emigrants_internal": 7000, "emigrants_international": 5000, "data_year": 2024,
        "source": "Estimation de démonstration (ateliers communaux)", "reliability": "declaratif",
        "households_with_emigrant_pct": "35", "households_receiving_remittances_pct": "20",
        "remittances_fcfa_per_year": None, "remittance_uses": "", "returnees_voluntary": None,
        "returnees_forced": None, "returnee_graduates": None, "returnee_skills_needs": "",
        "displaced_hosted": 2400, "displaced_returned": 300,
        "transit_seasonal": "Mobilité saisonnière vers les sites d'orpaillage de part et d'autre de la frontière "
                            "(novembre à mai) et vers les zones cotonnières ; passage des travailleurs vers la "
                            "Côte d'Ivoire. Accueil de personnes déplacées internes venues du centre du Burkina "
                            "Faso et du Mali.",
        "destinations": [
            {"country": "CI", "city": "Abidjan, Korhogo", "count": 3200, "trend": "stable"},
            {"country": "BF", "city": "Bobo-Dioulasso", "count": 1200, "trend": "stable"},
            {"country": "GH", "city": "", "count": 600, "trend": "hausse"},
        ],
        "codev_projects": [],
        "findings": [
            {"text": "Les sites d'orpaillage attirent chaque saison des milliers de travailleurs des deux pays."},
            {"text": "Les communes frontalières accueillent des déplacés sans moyens supplémentaires."},
        ],
    },
    "axes": [
        {"title": "Services partagés aux populations frontalières", "general_objective": "Garantir l'accès à "
         "l'eau des deux côtés de la frontière.", "migration_crosscutting": True,
         "objectives": [("Réaliser des forages transfrontaliers", [("hydraulique", 0), ("migration", 0)]),
                        ("Accueillir les déplacés et encadrer la mobilité saisonnière", [("migration", 1)])]},
    ],
    "priorities": [("Forages transfrontaliers", 0, [5, 5, 3, 1, 4]),
                   ("Accueil des déplacés et mobilité saisonnière", 0, [4, 3, 5, 1, 3])],
    "actions": [
        {"title": "Forages transfrontaliers équipés de pompes à motricité humaine", "sector": "hydraulique",
         "sub_sector": "Forages", "objective": (0, 0),
         "expected_results": "10 forages : 5 au Mali (Finkolo, Dandérésso, Koury, Ourikéla, Nongon-Souala), "
                             "5 au Burkina Faso (Koloko, Kayan, Sindo, Morolaba, N'Dorola).",
         "localities": "Finkolo ; Dandérésso ; Koury ; Ourikéla ; Nongon-Souala ; Koloko ; Kayan ; Sindo ; "
                       "Morolaba ; N'Dorola", "point": "ML030711", "quantity": 10, "unit": "forage",
         "unit_cost": 8_000_000, "maitre_ouvrage": "GLCT-Kénédougou", "tags": "deplacement", "status": "prevu",
         "scheme": None, "schedule": {2025: 24_000_000, 2026: 32_000_000, 2027: 24_000_000},
         "lines": [("ptf", 70, "GIZ", "promis"), ("budget_communal", 20, "Communes membres", "promis"),
                   ("population", 10, "Populations bénéficiaires (en nature)", "promis", True)]},
        {"title": "Cadre de concertation sur la mobilité saisonnière et l'accueil des déplacés",
         "sector": "migration", "sub_sector": "Gouvernance de la mobilité", "objective": (0, 1),
         "expected_results": "Deux rencontres transfrontalières par an ; un registre partagé des déplacés accueillis.",
         "localities": "Finkolo ; Koloko", "point": "ML030711", "quantity": 3, "unit": "année",
         "unit_cost": 4_000_000, "maitre_ouvrage": "GLCT-Kénédougou", "tags": "deplacement,sensibilisation",
         "status": "prevu", "scheme": None, "schedule": {2025: 4_000_000, 2026: 4_000_000, 2027: 4_000_000},
         "lines": [("ptf", 75, "GIZ", "promis"), ("budget_communal", 25, "Communes membres", "promis")]},
    ],
    "indicators": [
        (0, 2024, [0, 0, 0]), (0, 2024, [0, 0, 0]), (0, 2024, [0, 0, 0]), (0, 2024, [0, 1, 2]),
        (0, 2024, [0, 0, 0]), (2400, 2024, [2400, 2000, 1500]), (0, 2024, [1, 1, 1]), (2024, 2024, [2025, 2026, 2027]),
    ],
}

TC1["associations"] = [ENNDAM_JOMBUKU]
TC2["associations"] = [ADCYF]
TC3["associations"] = []
TEST_CASES = (TC1, TC2, TC3)

# ---------------------------------------------------------------------------------------------------------------
# Catalogues for random plans (docs/DOMAIN.md §5 sectors, §13 magnitudes: lines 0,25–80 M FCFA).
# (sector, sub-sector, title, unit, quantity range, unit-cost range in FCFA, migration tags to pick from)

ACTION_TEMPLATES = (
    ("education", "Enseignement fondamental", "Construction d'un bloc de 3 salles de classe", "bloc", (1, 3),
     (18_000_000, 27_000_000), ("", "diaspora")),
    ("education", "Enseignement fondamental", "Réhabilitation de salles de classe", "salle", (2, 8),
     (1_200_000, 2_500_000), ("",)),
    ("education", "Cantines scolaires", "Mise en place de cantines scolaires", "cantine", (1, 4),
     (8_000_000, 20_000_000), ("",)),
    ("education", "Équipement", "Dotation des écoles en tables-bancs", "table-banc", (60, 240),
     (30_000, 45_000), ("",)),
    ("sante", "CSCOM", "Construction d'une maternité", "maternité", (1, 1), (25_000_000, 45_000_000),
     ("", "diaspora")),
    ("sante", "CSCOM", "Équipement du CSCOM en matériel médical", "lot", (1, 2), (6_000_000, 15_000_000),
     ("", "diaspora")),
    ("sante", "Médicaments", "Construction d'un dépôt de médicaments", "dépôt", (1, 1), (6_000_000, 9_000_000), ("",)),
    ("hydraulique", "Forages", "Réalisation de forages équipés de pompes à motricité humaine", "forage", (2, 6),
     (7_000_000, 9_000_000), ("", "diaspora")),
    ("hydraulique", "AES", "Réalisation d'une adduction d'eau sommaire", "réseau", (1, 1), (35_000_000, 65_000_000),
     ("", "diaspora")),
    ("hydraulique", "Puits", "Réhabilitation de puits à grand diamètre", "puits", (2, 6),
     (3_000_000, 4_500_000), ("",)),
    ("assainissement", "Latrines", "Construction de latrines publiques", "bloc", (2, 8), (2_000_000, 3_500_000), ("",)),
    ("assainissement", "Déchets", "Aménagement d'un dépôt de transit des ordures", "dépôt", (1, 1),
     (5_000_000, 9_000_000), ("",)),
    ("agriculture", "Maraîchage", "Aménagement de périmètres maraîchers pour les femmes", "hectare", (2, 10),
     (2_500_000, 4_000_000), ("", "retour")),
    ("agriculture", "Stockage", "Construction d'un magasin de stockage", "magasin", (1, 2),
     (12_000_000, 18_000_000), ("",)),
    ("agriculture", "Bas-fonds", "Aménagement de bas-fonds rizicoles", "hectare", (10, 40),
     (900_000, 1_500_000), ("",)),
    ("elevage", "Santé animale", "Construction de parcs de vaccination", "parc", (1, 3), (5_000_000, 7_500_000), ("",)),
    ("elevage", "Hydraulique pastorale", "Réalisation de points d'eau pastoraux", "point d'eau", (1, 2),
     (10_000_000, 15_000_000), ("",)),
    ("peche", "Aquaculture", "Aménagement d'étangs piscicoles", "étang", (2, 6), (1_500_000, 3_000_000),
     ("", "emploi_jeunes")),
    ("environnement", "Reboisement", "Reboisement et mise en défens", "hectare", (5, 25), (350_000, 600_000), ("",)),
    ("commerce", "Marché", "Construction de hangars au marché", "hangar", (4, 12), (2_500_000, 4_500_000), ("",)),
    ("artisanat", "Artisanat", "Équipement d'un atelier d'artisans", "atelier", (1, 2), (4_000_000, 8_000_000),
     ("", "retour")),
    ("energie", "Éclairage public", "Installation de lampadaires solaires", "lampadaire", (20, 60),
     (550_000, 800_000), ("", "diaspora")),
    ("transport", "Pistes rurales", "Réhabilitation de pistes rurales", "km", (5, 20), (2_500_000, 4_000_000), ("",)),
    ("infrastructures", "Mairie", "Réhabilitation et équipement de la mairie", "bâtiment", (1, 1),
     (15_000_000, 35_000_000), ("",)),
    ("culture_jeunesse", "Sport", "Aménagement d'un terrain de sport", "terrain", (1, 1), (8_000_000, 15_000_000),
     ("", "emploi_jeunes")),
    ("culture_jeunesse", "Jeunesse", "Construction d'une maison des jeunes", "bâtiment", (1, 1),
     (18_000_000, 30_000_000), ("emploi_jeunes", "diaspora,emploi_jeunes")),
    ("promotion_feminine", "Équipements", "Dotation des groupements de femmes en moulins et décortiqueuses", "lot",
     (2, 6), (2_000_000, 3_500_000), ("",)),
    ("promotion_feminine", "Maison de la femme", "Construction d'une maison de la femme", "bâtiment", (1, 1),
     (18_000_000, 28_000_000), ("",)),
    ("gouvernance", "Mobilisation des ressources", "Recensement fiscal et mobilisation des ressources propres",
     "campagne", (1, 2), (1_500_000, 3_500_000), ("",)),
    ("gouvernance", "Renforcement des capacités", "Formation des élus et des agents communaux", "session", (2, 4),
     (1_000_000, 2_000_000), ("",)),
    ("migration", "Gouvernance de la migration", "Point focal migration et cadre de concertation avec la diaspora",
     "an", (1, 1), (1_500_000, 3_000_000), ("diaspora",)),
    ("migration", "Sensibilisation", "Campagnes de sensibilisation sur les risques de la migration irrégulière",
     "campagne", (2, 5), (1_000_000, 2_000_000), ("sensibilisation", "sensibilisation,emploi_jeunes")),
    ("migration", "Réinsertion", "Kits de réinsertion des migrants de retour", "kit", (20, 60),
     (500_000, 900_000), ("retour", "retour,emploi_jeunes")),
    ("emploi", "Formation professionnelle", "Formation professionnelle et installation de jeunes", "jeune",
     (30, 100), (200_000, 350_000), ("emploi_jeunes", "emploi_jeunes,retour")),
    ("securite_alimentaire", "Stocks", "Création de banques de céréales", "banque", (1, 3), (5_000_000, 8_000_000),
     ("",)),
)

AXES_BY_SECTOR = (
    ("Accès aux services sociaux de base", "Améliorer l'accès de tous à l'éducation, à la santé et à l'eau.",
     False, ("education", "sante", "hydraulique", "assainissement")),
    ("Développement de l'économie locale", "Accroître les revenus et la sécurité alimentaire.", False,
     ("agriculture", "elevage", "peche", "commerce", "artisanat", "energie", "transport", "securite_alimentaire",
      "environnement")),
    ("Migration, jeunesse et gouvernance", "Faire de la mobilité une ressource et renforcer la commune.", True,
     ("migration", "emploi", "culture_jeunesse", "promotion_feminine", "gouvernance", "infrastructures")),
)

OBJECTIVE_TITLES = {
    "education": "Améliorer l'accès et la qualité de l'éducation de base",
    "sante": "Améliorer l'accès aux soins de santé",
    "hydraulique": "Améliorer l'accès à l'eau potable",
    "assainissement": "Améliorer le cadre de vie et l'assainissement",
    "agriculture": "Accroître la production agricole",
    "elevage": "Améliorer la santé et la commercialisation du bétail",
    "peche": "Développer la pêche et l'aquaculture",
    "environnement": "Restaurer les ressources naturelles",
    "commerce": "Dynamiser les échanges commerciaux",
    "artisanat": "Soutenir l'artisanat",
    "energie": "Étendre l'accès à l'énergie",
    "transport": "Désenclaver les villages",
    "infrastructures": "Doter la commune d'équipements fonctionnels",
    "culture_jeunesse": "Offrir aux jeunes des lieux d'activité",
    "promotion_feminine": "Renforcer l'autonomie économique des femmes",
    "gouvernance": "Accroître les ressources propres et les capacités de la commune",
    "migration": "Intégrer la migration dans la gouvernance locale",
    "emploi": "Former et insérer les jeunes et les migrants de retour",
    "securite_alimentaire": "Renforcer la sécurité alimentaire",
}

SECTOR_FINDINGS = {
    "education": ("Les salles de classe sont surchargées et plusieurs abris sont provisoires.",
                  "Taux de scolarisation en hausse, équipements insuffisants.", "Manque d'enseignants qualifiés.",
                  "Les parents d'élèves et la diaspora financent déjà des écoles."),
    "sante": ("Le CSCOM est éloigné des villages périphériques.", "Accouchements à domicile encore fréquents.",
              "Équipement médical vétuste.", "Relais communautaires actifs."),
    "hydraulique": ("Plusieurs villages n'ont pas de point d'eau moderne.", "Taux d'accès à l'eau potable faible.",
                    "Pompes en panne faute de comités de gestion.", "Nappe accessible."),
    "assainissement": ("Pas de gestion des ordures ménagères.", "Défécation à l'air libre persistante.",
                       "Absence de dépôt de transit.", "Groupements de femmes prêts à gérer la collecte."),
    "agriculture": ("Rendements faibles et dépendance à la pluie.", "Pertes après récolte élevées.",
                    "Accès limité aux intrants.", "Bas-fonds aménageables."),
    "elevage": ("Couverture vaccinale insuffisante.", "Conflits entre agriculteurs et éleveurs.",
                "Points d'eau pastoraux rares.", "Cheptel important."),
    "peche": ("Ressources halieutiques en baisse.", "Peu d'aménagements piscicoles.", "Matériel vétuste.",
              "Mares et cours d'eau exploitables."),
    "environnement": ("Dégradation du couvert végétal.", "Coupe abusive du bois.", "Feux de brousse.",
                      "Comités de gestion des ressources naturelles."),
    "commerce": ("Marché sans hangars ni magasins.", "Taxes de marché peu recouvrées.", "Enclavement.",
                 "Foire hebdomadaire fréquentée."),
    "artisanat": ("Artisans peu équipés.", "Pas d'accès au crédit.", "Savoir-faire des migrants de retour.",
                  "Demande locale."),
    "energie": ("Pas d'éclairage public.", "Coût élevé de l'énergie.", "Fort ensoleillement.",
                "Intérêt de la diaspora pour le solaire."),
    "transport": ("Pistes impraticables en hivernage.", "Villages isolés.", "Ouvrages de franchissement détruits.",
                  "Main-d'œuvre locale disponible."),
    "infrastructures": ("Mairie vétuste et sous-équipée.", "Archives de l'état civil menacées.",
                        "Manque de salles de réunion.", "Terrain disponible."),
    "culture_jeunesse": ("Pas d'espace pour les jeunes.", "Oisiveté et départs des jeunes.",
                         "Associations de jeunes dynamiques.", "Patrimoine culturel."),
    "promotion_feminine": ("Femmes peu équipées pour la transformation.", "Charge de travail élevée.",
                           "Groupements de femmes organisés.", "Accès limité au foncier."),
    "gouvernance": ("Faible recouvrement des impôts et taxes.", "Capacités limitées des élus.",
                    "Participation citoyenne à renforcer.", "Appui des services techniques."),
    "migration": ("Aucun interlocuteur communal pour la diaspora.", "Départs irréguliers de jeunes.",
                  "Retours non accompagnés.", "Diaspora organisée et solidaire."),
    "emploi": ("Chômage élevé des jeunes.", "Aucune offre de formation professionnelle.",
               "Migrants de retour sans appui.", "Métiers porteurs identifiés."),
    "securite_alimentaire": ("Soudure difficile chaque année.", "Stocks céréaliers insuffisants.",
                             "Chocs climatiques répétés.", "Greniers communautaires anciens."),
}

MIGRATION_FINDINGS = (
    "Une part importante des jeunes hommes vit hors de la commune une partie de l'année.",
    "Les transferts des émigrés financent la consommation et les équipements des villages.",
    "La diaspora n'est pas associée de façon régulière au choix des investissements.",
    "Les migrants de retour, volontaires ou non, ne bénéficient d'aucun accompagnement.",
    "Les départs irréguliers exposent les jeunes à des risques graves sur les routes migratoires.",
)

# By région (OCHA P-code prefix): share of emigrants in the population (min, max), share abroad (min, max),
# destinations with relative weights, whether displacement is common.
REGION_MIGRATION = {
    "ML01": ((0.15, 0.40), (0.55, 0.75), {"FR": 30, "CI": 15, "SN": 12, "ES": 10, "GA": 8, "CG": 8, "US": 6,
                                          "MR": 6, "IT": 3, "GQ": 2}, False),
    "ML02": ((0.05, 0.14), (0.35, 0.55), {"CI": 30, "SN": 20, "FR": 15, "GA": 10, "ES": 8, "GN": 8, "MR": 5}, False),
    "ML03": ((0.04, 0.10), (0.40, 0.60), {"CI": 50, "BF": 25, "GH": 10, "FR": 8, "GN": 7}, False),
    "ML04": ((0.05, 0.12), (0.35, 0.55), {"CI": 35, "SN": 15, "FR": 12, "ES": 10, "LY": 8, "DZ": 8, "NE": 6}, False),
    "ML05": ((0.06, 0.15), (0.35, 0.55), {"CI": 35, "SN": 15, "BF": 15, "NE": 10, "GN": 10, "GH": 8}, True),
    "ML06": ((0.06, 0.14), (0.40, 0.60), {"MR": 35, "DZ": 30, "NE": 10, "LY": 10, "BF": 8}, True),
    "ML07": ((0.06, 0.14), (0.40, 0.60), {"NE": 30, "DZ": 30, "LY": 15, "BF": 10, "MR": 8}, True),
    "ML08": ((0.08, 0.18), (0.55, 0.75), {"DZ": 55, "NE": 20, "LY": 15, "MR": 10}, True),
    "ML09": ((0.03, 0.07), (0.50, 0.70), {"FR": 30, "CI": 20, "US": 12, "SN": 10, "CN": 8, "MA": 8, "CA": 5}, False),
    "ML10": ((0.06, 0.14), (0.45, 0.65), {"NE": 45, "DZ": 30, "LY": 15, "BF": 5}, True),
}

DIASPORA_CITIES = {"FR": "Paris", "ES": "Madrid", "US": "New York", "CI": "Abidjan", "SN": "Dakar", "GA": "Libreville",
                   "CG": "Brazzaville", "IT": "Milan", "MR": "Nouakchott", "BF": "Ouagadougou", "DZ": "Tamanrasset",
                   "NE": "Niamey", "LY": "Tripoli", "GN": "Conakry", "GH": "Accra", "CN": "Canton", "MA": "Casablanca",
                   "CA": "Montréal", "GQ": "Malabo", "CD": "Kinshasa"}

ASSOCIATION_PATTERNS = ("Association des ressortissants {de_commune} à {ville}",
                        "Association pour le développement {de_commune} ({ville})",
                        "Cadre de concertation des ressortissants {de_commune} à {ville}")

FUNDING_PARTNERS = {
    "ptf": ("Coopération suisse", "GIZ", "Coopération luxembourgeoise (LuxDev)", "Banque mondiale (PACR)",
            "Union européenne", "AFD", "PNUD", "UNICEF"),
    "ong": ("Plan International", "Aide et Action", "World Vision", "Helvetas", "Oxfam", "Action contre la faim"),
    "etat": ("État (budget national)", "Direction régionale de l'hydraulique", "Ministère de la Santé"),
    "cooperation_decentralisee": ("Région Île-de-France", "Ville jumelle (coopération décentralisée)",
                                  "Département partenaire (coopération décentralisée)"),
}
