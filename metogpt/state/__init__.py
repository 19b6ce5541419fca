"""Thin Reflex states: they call services and hold what pages show, nothing more."""
