"""The error tree. Every error the core raises on purpose is a ``CscGraphError``; the doors
(api/, cli/) map each branch to a status code or an exit code, and show its message as it is.

- ``StoreError``: asking the store failed (a bad or refused query, a time limit, a cut answer).
- ``LoadRefused``: the loading gate would not load the files (``governance.gate`` adds why).
- ``ConfigError``: the settings name something that is not there (a root, a council).
"""


class CscGraphError(Exception):
    """Anything the project refuses or cannot do, with a message that says what to fix."""


class LoadRefused(CscGraphError):
    """The loading gate would not load the files; the store keeps what it had."""

    councils: tuple[object, ...] = ()
    """Each council's outcome (``governance.gate.CouncilOutcome``), set by the gate."""


class DataFileError(LoadRefused):
    """A data file could not be read or parsed; the message names the file and line."""

    def __init__(self, message: str, file: str | None = None) -> None:
        super().__init__(message)
        self.file = file


class ConfigError(CscGraphError, ValueError):
    """A setting names a folder or council that does not exist; the message names the setting."""


class StoreError(CscGraphError):
    """Anything that went wrong in the store; the doors map subclasses to status codes."""


class QuerySyntaxError(StoreError):
    """The text is not a SPARQL 1.1 query; the message is the parser's, with line and column."""


class QueryRefused(StoreError):
    """The query is valid but not allowed: SERVICE, LOAD or an update."""


class QueryTimeout(StoreError):
    """The query ran past settings.query_timeout and was stopped."""


class ResultTruncated(StoreError):
    """The project's own query hit the row cap; its caller needs the whole answer."""


class QueryTooComplex(QuerySyntaxError):
    """The query nests deeper than settings.max_query_depth; refused before any parser."""


class QueryBusy(StoreError):
    """Every query process is busy and the queue in front of them is full; try again soon."""

    retry_after = 1


class QueryMemoryExceeded(StoreError):
    """The query process passed its memory limit (settings.query_memory_mb) and was stopped."""
