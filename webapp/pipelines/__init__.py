"""Pipelines and stages."""
