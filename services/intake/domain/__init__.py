"""Intake domain: the dossier aggregate and the rules of a valid application."""
