"""``python -m webapp.i18n``: compile the stale translation catalogues."""

from .catalogs import PROJECT_ROOT, compile_stale

for path in compile_stale():
    print(f"compiled {path.relative_to(PROJECT_ROOT)}")
