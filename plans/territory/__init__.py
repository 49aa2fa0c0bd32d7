"""Mali's territory and its neighbours' units, by edition of the boundaries: the models, the loader of geodata/
(loader), look-ups and hierarchy (service), and where diaspora host cities lie (places). Imports only plans.core."""
