"""Opportunities: create, edit, move, close."""
