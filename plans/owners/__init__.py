"""Who owns a plan: a collectivité (commune, cercle, région) or a grouping of collectivités (syndicat, GLCT…),
with its members and geometry (models, service)."""
