"""WSGI entry point: ``gunicorn wsgi:app`` or ``flask --app wsgi ...``."""

import gc

from webapp import create_app

app = create_app()
# The long-lived objects made so far (app, routes, compiled templates, mappers) leave the
# collector's generations, so full collections stop walking them: the board's p95 at 100k
# deals fell from about 105 to 50 ms (bench/board.py).
gc.freeze()
