"""Imports the section editors that live in their own modules, so they register themselves."""
