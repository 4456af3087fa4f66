"""Contacts: people, usually in an account, with their deals."""
