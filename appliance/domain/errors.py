"""Domain errors: every refusal the appliance can give, each with a stable machine code."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base of all expected refusals; `code` is stable and documented in docs/api.md."""

    code = "invalid"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled with every attribute (`field`, `retry_after`, …) whatever the subclass's
        `__init__` takes: an error raised on the writer crosses to the event loop intact."""
        return _restore, (type(self), self.args, dict(self.__dict__))


def _restore(cls: type[DomainError], args: tuple[Any, ...],
             state: dict[str, Any]) -> DomainError:
    error = cls.__new__(cls, *args)
    error.args = args
    error.__dict__.update(state)
    return error


class Invalid(DomainError):
    code = "invalid"


class BadJson(Invalid):
    code = "bad_json"


class BadRequest(Invalid):
    """A request that could not be read at all (a broken multipart body)."""

    code = "bad_request"


class UnsupportedMediaType(Invalid):
    code = "unsupported_media_type"


class TooLarge(DomainError):
    code = "too_large"


class QuotaExceeded(TooLarge):
    """A visitor's stored uploads would pass their quota (413, like any TooLarge)."""

    code = "quota_exceeded"


class Unauthenticated(DomainError):
    code = "unauthenticated"


class BadCredentials(DomainError):
    code = "bad_credentials"


class Forbidden(DomainError):
    code = "forbidden"


class Blocked(Forbidden):
    """The visitor (or their address) is blocked on this site: they see the widget as
    offline and cannot write."""

    code = "blocked"


class IdentifyFirst(Forbidden):
    """The site requires visitors to identify (pre-chat form or signed identity) before the
    first message."""

    code = "identify_first"


class CsrfFailed(DomainError):
    code = "csrf"


class NotFound(DomainError):
    code = "not_found"


def conversation_not_found() -> NotFound:
    """A missing conversation and one the asker may not see get the same answer on every
    transport (REST, socket, long-poll): ids are not to be probed."""
    return NotFound("No such conversation")


def attachment_not_found() -> NotFound:
    return NotFound("No such attachment")


class Conflict(DomainError):
    code = "conflict"


class DuplicateCustomer(Conflict):
    """A customer of the company already has this phone or e-mail (`field`): `customer_id`
    names them (in the error body too)."""

    def __init__(self, message: str, *, field: str, customer_id: int) -> None:
        super().__init__(message, field=field)
        self.customer_id = customer_id


class SetupDone(DomainError):
    code = "setup_done"


class BadSetupCode(DomainError):
    code = "bad_setup_code"


class RateLimited(DomainError):
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class DatabaseUnusable(DomainError):
    """The database file is damaged or not a Kefu database."""

    code = "database_unusable"


class DatabaseTooNew(DomainError):
    """The database was written by a newer Kefu; refusing protects it from damage."""

    code = "database_too_new"
