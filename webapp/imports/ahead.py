"""Reading ahead: the items of an iterator produced by a second thread while the caller works
on the previous ones (an import converts the next batch of cells while the database driver,
which releases the GIL, writes the current one)."""

import queue
import threading
from collections.abc import Iterator

_END = object()


class _Failed:
    def __init__(self, error: BaseException):
        self.error = error


def read_ahead(items: Iterator, depth: int = 2) -> Iterator:
    """Yield ``items`` in order, at most ``depth`` produced before they are used. An exception
    of the producer is raised here, where its item would have come; a caller that stops early
    stops the producer at its next item."""
    ready: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item) -> bool:
        while not stop.is_set():
            try:
                ready.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put(item):
                    return
            put(_END)
        except BaseException as error:  # handed to the consumer, raised there
            put(_Failed(error))

    thread = threading.Thread(target=produce, name="import-read-ahead", daemon=True)
    thread.start()
    try:
        while (item := ready.get()) is not _END:
            if isinstance(item, _Failed):
                raise item.error
            yield item
    finally:
        stop.set()
        thread.join()
