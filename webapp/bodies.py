"""Request bodies read in bounded amounts, whatever the transfer encoding.

Werkzeug wraps a body without a length (chunked) in a stream that stops at
``max_content_length`` (``MAX_CONTENT_LENGTH``, or ``request.max_content_length`` set by a view
before it reads); reading it in pieces raises 413 past the limit, but reading it whole
(``get_data``, url-encoded forms) silently returns the first ``max_content_length`` bytes.
``BoundedRequest`` makes both refuse a longer body with 413 after reading one byte more.
A form refused so is refused once: afterwards the request has an empty form (a view that
answers the 413 with its own page may read ``request.form`` again without a second 413).
"""

from flask import Request
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.utils import cached_property
from werkzeug.wsgi import LimitedStream, get_input_stream


class _MaxStream(LimitedStream):
    def readall(self) -> bytes:
        data = super().readall()
        if self.is_exhausted and self._stream.read(1):
            raise RequestEntityTooLarge()
        return data


class BoundedRequest(Request):
    @cached_property
    def stream(self):
        stream = get_input_stream(self.environ, max_content_length=self.max_content_length)
        if type(stream) is LimitedStream and stream._limit_is_max:
            stream.__class__ = _MaxStream
        return stream

    def _get_file_stream(self, *args, **kwargs):
        part = super()._get_file_stream(*args, **kwargs)
        self.__dict__.setdefault("_part_files", []).append(part)
        return part

    def _load_form_data(self) -> None:
        try:
            super()._load_form_data()
        except RequestEntityTooLarge:
            for part in self.__dict__.pop("_part_files", ()):
                part.close()  # the temporary file of a part cut short
            empty = self.parameter_storage_class()
            self.__dict__.update(form=empty, files=empty)
            raise
