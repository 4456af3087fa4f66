"""Domain errors raised by services and turned into pages by the views."""


class DomainError(Exception):
    """Base of the errors a user can cause; ``message`` is safe to show."""

    status = 400

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class ValidationError(DomainError):
    """Bad input; ``errors`` maps a field name to its message."""

    status = 422

    def __init__(self, errors: dict[str, str] | str):
        if isinstance(errors, str):
            errors = {"__all__": errors}
        self.errors = errors
        super().__init__("; ".join(str(message) for message in errors.values()))


class PermissionDenied(DomainError):
    status = 403

    def __init__(self, message: str = "You are not allowed to do that."):
        super().__init__(message)


class NotFound(DomainError):
    status = 404


class ConflictError(DomainError):
    """The record changed since the user loaded it (stale ``version``); nothing was written."""

    status = 409

    def __init__(self, current, message: str | None = None):
        self.current = current
        super().__init__(
            message
            or "Someone else changed this deal meanwhile. Nothing was saved; "
            "review the current values and try again."
        )


class GateError(DomainError):
    """A stage gate blocks the move: ``problems`` (messages) and the opportunity ``fields``
    whose values would solve some of them."""

    status = 422

    def __init__(self, problems: list, stage=None):
        self.problems = [p["message"] if isinstance(p, dict) else str(p) for p in problems]
        self.fields = [p["field"] for p in problems if isinstance(p, dict) and p.get("field")]
        self.stage = stage
        super().__init__("This stage needs: " + "; ".join(self.problems))
