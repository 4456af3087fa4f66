"""The import as a background job (``webapp.jobs``)."""

from ..jobs import job
from . import engine


@job
def run_import(run_id: int) -> None:
    """Run a queued import in the worker."""
    engine.execute(run_id)
