"""One exception hierarchy for the domain. Messages are for users, in French; edges translate them."""

from __future__ import annotations


class HotspotsError(Exception):
    """Base of every error the service reports to a person.

    ``message`` is the French text shown to the user, ``hint`` says what to do, ``http_status`` is used by
    the API layer.
    """

    http_status = 500

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message}\n→ {self.hint}" if self.hint else self.message


class ConfigError(HotspotsError):
    """The settings or the machine are not usable as they are."""

    http_status = 503


class InvalidValueError(HotspotsError):
    """A value given by a person is refused (a short password, an unknown role...)."""

    http_status = 422


class ConflictError(HotspotsError):
    """The thing to create exists already."""

    http_status = 409


class DatabaseError(HotspotsError):
    """The database could not be reached, started or migrated."""

    http_status = 503


class RetryLaterError(HotspotsError):
    """A refusal that lasts a while: worth asking again after ``retry_after`` seconds (the API sends it as
    ``Retry-After``)."""

    def __init__(self, message: str, *, retry_after: int, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.retry_after = retry_after


class DatabaseUnavailableError(RetryLaterError, DatabaseError):
    """The database does not answer now (stopped, restarting, too busy): worth asking again after ``retry_after``
    seconds."""


class DeliveryError(HotspotsError):
    """A message could not be handed to the mail server (unreachable, refused): nothing was noted as sent."""

    http_status = 502


class InputFileError(HotspotsError):
    """A whole input file is unusable (empty, unreadable, wrong structure): nothing was stored."""

    http_status = 422


class TooLargeError(InputFileError):
    """A file or a request larger than the service accepts: nothing was read."""

    http_status = 413


class NotFoundError(HotspotsError):
    """A batch, report or other object asked for does not exist."""

    http_status = 404


class AuthenticationError(HotspotsError):
    """No valid session or token: the person must log in."""

    http_status = 401


class TooManyAttemptsError(RetryLaterError):
    """Too many failed logins lately: refused until ``retry_after`` seconds have passed."""

    http_status = 429


class BusyError(RetryLaterError):
    """As much of a kind of work is running as the service runs at once (imports in the background): worth
    asking again after ``retry_after`` seconds."""

    http_status = 429


class PermissionDeniedError(HotspotsError):
    """Logged in, but the role does not allow this action."""

    http_status = 403


class ValidationFailedError(HotspotsError):
    """Submitted data breaks the same rules as ingestion; ``problems`` lists {champ, valeur, motif}. Nothing stored."""

    http_status = 422

    def __init__(self, message: str, problems: list[dict[str, str | None]], *, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.problems = problems
