"""Bundled Opportuno plugins (each a package that only uses hooks and public services)."""
