"""Owners of deals and contacts: who may own a deal, and keeping contact and deal owners in sync."""
