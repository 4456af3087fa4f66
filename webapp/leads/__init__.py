"""Leads: unqualified prospects, converted into account + contact + opportunity."""
