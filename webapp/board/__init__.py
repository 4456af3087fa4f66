"""The pipeline board (kanban)."""
