"""Accounts: client folders."""
