"""Background jobs on Huey: imports now, automation and mail later.

``TASK_QUEUE_URL`` chooses the storage: ``sqlite:///<path>`` (the embedded default, a file in
``instance/``), ``redis://host:port/db`` (a team with several app servers), or ``immediate``
(jobs run at once in the caller's process: tests and one-off scripts). ``opportuno worker``
runs the consumer. A job is a plain function registered with ``@job``; it runs inside an app
context of the process that consumes it.

The store also keeps short-lived values (``publish`` / ``peek``): a running job's progress is
published there, where another process reads it while the job's own transaction is open.
"""

from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask, current_app
from huey import MemoryHuey, RedisHuey, SqliteHuey
from huey.api import Huey

EXTENSION_KEY = "opportuno.jobs"
_JOBS: dict[str, Callable] = {}


def job(func: Callable) -> Callable:
    """Register ``func`` as a job (call it through ``enqueue``)."""
    _JOBS[f"{func.__module__}.{func.__qualname__}"] = func
    return func


def default_url(instance_path: str | Path) -> str:
    return f"sqlite:///{Path(instance_path) / 'tasks.db'}"


def make_huey(url: str, name: str = "opportuno") -> Huey:
    """The Huey instance for a ``TASK_QUEUE_URL``."""
    if url == "immediate":
        return MemoryHuey(name, immediate=True)
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        return SqliteHuey(name, filename=str(path))
    if parts.scheme in ("redis", "rediss", "unix"):
        return RedisHuey(name, url=url)
    raise ValueError(f"TASK_QUEUE_URL: unsupported scheme {parts.scheme!r}.")


def init_jobs(app: Flask) -> None:
    """Create the app's queue and register every job on it, each run in an app context."""
    import importlib

    for module in JOB_MODULES:
        importlib.import_module(module)
    url = app.config.get("TASK_QUEUE_URL") or default_url(app.instance_path)
    huey = make_huey(url, app.config.get("TASK_QUEUE_NAME") or "opportuno")
    tasks = {}
    for name, func in _JOBS.items():

        def run(*args, _func=func, **kwargs):
            with app.app_context():
                return _func(*args, **kwargs)

        tasks[name] = huey.task(name=name)(run)
    app.extensions[EXTENSION_KEY] = (huey, tasks)


JOB_MODULES = ("webapp.imports.jobs",)


def queue() -> Huey:
    return current_app.extensions[EXTENSION_KEY][0]


def enqueue(func: Callable, *args, **kwargs):
    """Hand ``func(*args, **kwargs)`` to the worker (at once in ``immediate`` mode)."""
    tasks = current_app.extensions[EXTENSION_KEY][1]
    return tasks[f"{func.__module__}.{func.__qualname__}"](*args, **kwargs)


def publish(key: str, value) -> None:
    """Keep a short-lived value (a progress count) where other processes can read it."""
    queue().put(f"value:{key}", value)


def peek(key: str, default=None):
    """The value last published under ``key`` (left in place), else ``default``."""
    value = queue().get(f"value:{key}", peek=True)
    return default if value is None else value


def consumer(workers: int = 2):
    """A consumer of the app's queue (``.run()`` blocks until SIGINT/SIGTERM)."""
    return queue().create_consumer(workers=workers, worker_type="thread")
