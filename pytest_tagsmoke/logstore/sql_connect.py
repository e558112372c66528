"""Read-only connections to SQLite (standard library) and PostgreSQL (psycopg, the
``postgres`` extra), shared by the SQL log store and the audit's SQL census.

Errors come out as :class:`SqlConnectError` with a message safe to show: a driver's
message may quote the URL, so only its kind and first line are kept, a password cut out.

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

import re
import sqlite3
from typing import TYPE_CHECKING, Any, Protocol

from pytest_tagsmoke.safety.redaction import malformed_userinfo

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from pathlib import Path

_NAMED = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")
#: ``scheme://user:password@`` in free text: the password, also when the text cuts it short.
_PASSWORD = re.compile(r"(?P<user>://[^\s:/@\"']*:)[^\s@\"'/]*(?=@|…|[\"'\s]|$)")


class SqlConnectError(Exception):
    """The database could not be opened or queried; the message is safe to show."""


class SqlConnection(Protocol):
    def rows(self, sql: str, params: Mapping[str, Any] | None = None) -> list[tuple[Any, ...]]:
        """The rows of ``sql`` as tuples; ``params`` fill ``:name`` parameters."""

    def dict_rows(self, sql: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        """The rows of ``sql`` as column -> value."""

    def close(self) -> None: ...


class SqliteConnection:
    """A read-only SQLite database (``mode=ro``), opened at the first query unless
    ``eager``; ``prepare`` runs on the new connection (functions, pragmas)."""

    def __init__(
        self,
        path: Path,
        *,
        eager: bool = False,
        prepare: Callable[[sqlite3.Connection], None] | None = None,
    ) -> None:
        self._path = path
        self._prepare = prepare
        self._conn: sqlite3.Connection | None = None
        if eager:
            self._connection()

    def _fail(self, exc: sqlite3.Error) -> SqlConnectError:
        return SqlConnectError(f"SQLite log store {self._path}: {exc}")

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            try:
                # Read-only: nothing here writes to a gateway's log store.
                self._conn = sqlite3.connect(
                    f"file:{self._path}?mode=ro", uri=True, check_same_thread=False
                )
            except sqlite3.Error as exc:
                raise self._fail(exc) from None
            if self._prepare is not None:
                self._prepare(self._conn)
        return self._conn

    def _execute(self, sql: str, params: Mapping[str, Any] | None, *, as_dicts: bool) -> Any:
        try:
            cursor = self._connection().cursor()
            if as_dicts:
                cursor.row_factory = sqlite3.Row
            return cursor.execute(sql, params or {}).fetchall()
        except sqlite3.Error as exc:
            raise self._fail(exc) from None

    def rows(self, sql: str, params: Mapping[str, Any] | None = None) -> list[tuple[Any, ...]]:
        result: list[tuple[Any, ...]] = self._execute(sql, params, as_dicts=False)
        return result

    def dict_rows(self, sql: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        return [dict(row) for row in self._execute(sql, params, as_dicts=True)]

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


class PostgresConnection:
    """A PostgreSQL database (autocommit, read-only session), connected at the first query
    unless ``eager``. ``:name`` parameters become psycopg's ``%(name)s``; SQL without
    parameters is sent as written. ``label`` names the store in messages."""

    def __init__(self, url: str, *, eager: bool = False, label: str = "log store") -> None:
        try:
            import psycopg
        except ImportError:
            raise SqlConnectError(
                f"a postgresql:// {label} needs psycopg: pip install 'pytest-tagsmoke[postgres]'"
            ) from None
        self._psycopg = psycopg
        self._url = url
        self._label = label
        self._conn: Any = None
        if eager:
            self._connection()

    def _connection(self) -> Any:
        if self._conn is None:
            try:
                self._conn = self._psycopg.connect(self._url, autocommit=True, connect_timeout=5)
                self._conn.read_only = True
            # Any error of the driver's (not only psycopg.Error: under pytester, psycopg may
            # be imported twice in one process, and its C half raises the first import's
            # classes).
            except Exception as exc:
                raise SqlConnectError(postgres_message(exc, self._label, self._url)) from None
        return self._conn

    def _execute(self, sql: str, params: Mapping[str, Any] | None, *, as_dicts: bool) -> Any:
        from psycopg.rows import dict_row, tuple_row

        connection = self._connection()
        try:
            with connection.cursor(row_factory=dict_row if as_dicts else tuple_row) as cursor:
                if params is None:
                    cursor.execute(sql.encode("utf-8"))
                else:
                    cursor.execute(_NAMED.sub(r"%(\1)s", sql.replace("%", "%%")), dict(params))
                return list(cursor.fetchall())
        except Exception as exc:  # the driver's errors, as above
            raise SqlConnectError(postgres_message(exc, self._label, self._url)) from None

    def rows(self, sql: str, params: Mapping[str, Any] | None = None) -> list[tuple[Any, ...]]:
        result: list[tuple[Any, ...]] = self._execute(sql, params, as_dicts=False)
        return result

    def dict_rows(self, sql: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._execute(sql, params, as_dicts=True)
        return result

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def postgres_message(exc: BaseException, label: str = "store", url: str = "") -> str:
    """What a PostgreSQL error may show: its kind and first line, a quoted password cut at
    the URL's ``@`` (the front ends also scrub every known secret, in case the driver
    shortened or re-quoted it). When the URL's password holds an unencoded ``@``, ``/``,
    ``?`` or ``#``, libpq takes part of it for the host or port and quotes it, pieces too
    short to scrub: its message is not shown, the cause is."""
    if malformed_userinfo(url):
        return (
            f"PostgreSQL {label}: {type(exc).__name__}: the URL's user or password holds an "
            "unencoded '@', '/', '?' or '#', so the driver took part of it for the host "
            "(its message is not shown); percent-encode them: %40, %2F, %3F, %23"
        )
    first = str(exc).splitlines()[0] if str(exc) else ""
    shown = _PASSWORD.sub(r"\g<user>***", first)
    return f"PostgreSQL {label}: {type(exc).__name__}: {shown}"


def is_sqlite_url(url: str) -> bool:
    return url.startswith("sqlite:///")


def sqlite_path(url: str, base_dir: Path) -> Path:
    """The file of a ``sqlite:///PATH`` URL; a relative path is relative to ``base_dir``."""
    from pathlib import Path

    path = Path(url[len("sqlite:///") :])
    return path if path.is_absolute() else base_dir / path
