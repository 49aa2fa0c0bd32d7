"""The foundation every area stands on, with no model of its own but the declarative base: the database base and
session helpers (db), backups (backup), refused input (errors), typed amounts and their rounding (money), French
formatting (formatting), text keys (text), geometry helpers (geo) and the controlled lists with their labels (vocab).
Imports nothing else from plans/."""
