"""Bringing files in: reading them (reading), matching their columns to fields (mapping),
turning cells into values (values), and running the import as a background job."""
