"""The service store: engines and sessions for SQLite (embedded default, WAL) and PostgreSQL
(production), schema migrations at start-up, and the write transactions that serialise
changes to the airspace.

Serialisation, one process and several:

- every write runs under one in-process lock (threads of one server never interleave writes);
- on SQLite a write transaction starts with ``BEGIN IMMEDIATE`` (the database's single writer
  lock, which also excludes other processes on the same file);
- on PostgreSQL an airspace write takes the transaction-scoped advisory lock
  :data:`AIRSPACE_LOCK_KEY`, so replicas sharing the database decide one at a time; each
  replica then catches up on the ``airspace_events`` it has not applied before deciding.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, func, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, sessionmaker

from api.models import AirspaceEvent, Base, Meta

AIRSPACE_LOCK_KEY = 0x71696E676B6F6E67  # "qingkong"
MIGRATION_LOCK_KEY = AIRSPACE_LOCK_KEY + 1
log = logging.getLogger("qingkong.api")
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def utcnow() -> datetime:
    """Now, as an aware UTC instant."""
    return datetime.now(UTC)


def _sqlite_engine(url: str, *, immediate: bool) -> Engine:
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 60})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record) -> None:  # pragma: no cover - driver callback
        # Let SQLAlchemy's "begin" event emit BEGIN itself (pysqlite would defer it).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")  # an approval is on disk before it is answered
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=60000")
        # Checkpoints run in the store's background thread, not inside a decision's commit;
        # the automatic one stays as a safety net should that thread fall behind.
        cur.execute("PRAGMA wal_autocheckpoint=20000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:  # pragma: no cover - driver callback
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


class Store:
    """Database access for one service process.

    Parameters
    ----------
    url : str
        SQLAlchemy URL: ``sqlite:///path.sqlite`` or ``postgresql+psycopg://user@host/db``.
    """

    def __init__(self, url: str):
        self.url = url
        if url.startswith("sqlite"):
            if url in ("sqlite://", "sqlite:///:memory:"):
                raise ValueError("an in-memory SQLite database cannot be shared; give a file path")
            self.dialect = "sqlite"
            self.engine = _sqlite_engine(url, immediate=False)
            self.write_engine = _sqlite_engine(url, immediate=True)
        elif url.startswith("postgresql"):
            self.dialect = "postgresql"
            self.engine = create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)
            self.write_engine = self.engine
        else:
            raise ValueError(
                f"database URL {url!r}: use sqlite:///<file> or postgresql+psycopg://..."
            )
        self._read = sessionmaker(self.engine, expire_on_commit=False)
        self._write = sessionmaker(self.write_engine, expire_on_commit=False)
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._checkpointer: threading.Thread | None = None
        if self.dialect == "sqlite":
            self._checkpointer = threading.Thread(
                target=self._checkpoint_loop, name="qingkong-wal-checkpoint", daemon=True
            )
            self._checkpointer.start()

    def _checkpoint_loop(self, every_s: float = 1.0) -> None:
        """Copy the write-ahead log back into the database now and then (PASSIVE: never
        waits for, nor blocks, a writer)."""
        while not self._stop.wait(every_s):
            try:
                raw = self.engine.raw_connection()  # autocommit: no transaction around it
                try:
                    raw.driver_connection.execute("PRAGMA wal_checkpoint(PASSIVE)")  # type: ignore[union-attr]
                finally:
                    raw.close()
            except Exception:  # pragma: no cover - e.g. the file was removed under us
                log.warning("WAL checkpoint failed", exc_info=True)

    def migrate(self) -> None:
        """Bring the schema to the newest revision (safe when several processes start at once)."""
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
        with self.write_engine.begin() as conn:
            if self.dialect == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": MIGRATION_LOCK_KEY})
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")

    def session(self) -> Session:
        """A read session (no locks taken); use :meth:`write` to change anything."""
        return self._read()

    @contextmanager
    def write(self, *, airspace: bool = False) -> Iterator[Session]:
        """A write transaction, committed on normal exit and rolled back on error.

        ``airspace=True`` also takes the cross-process airspace lock (PostgreSQL advisory lock;
        SQLite's ``BEGIN IMMEDIATE`` already excludes every other writer).
        """
        with self._lock, self._write() as s, s.begin():
            if airspace and self.dialect == "postgresql":
                s.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": AIRSPACE_LOCK_KEY})
            yield s

    def meta(self, key: str, default: str) -> str:
        """Read a store fact, writing ``default`` the first time it is asked for.

        Safe when several replicas ask at once: the first insert wins (``ON CONFLICT DO
        NOTHING``) and everyone reads back the value that was stored.
        """
        insert = pg_insert if self.dialect == "postgresql" else sqlite_insert
        with self.write() as s:
            s.execute(
                insert(Meta)
                .values(key=key, value=default)
                .on_conflict_do_nothing(index_elements=["key"])
            )
            return s.execute(select(Meta.value).where(Meta.key == key)).scalar_one()

    def dispose(self) -> None:
        """Stop the checkpoint thread and close the connections."""
        self._stop.set()
        self.engine.dispose()
        if self.write_engine is not self.engine:
            self.write_engine.dispose()


def drop_schema(url: str) -> None:
    """Drop every table of the service and alembic's version table, so that the next start
    migrates an empty store (tests and benchmarks on a shared PostgreSQL database)."""
    engine = create_engine(url)
    with engine.begin() as conn:
        Base.metadata.drop_all(conn)
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    engine.dispose()


def latest_seq(session: Session) -> int:
    """The newest airspace event sequence number (0 when none)."""
    return int(session.execute(select(func.coalesce(func.max(AirspaceEvent.seq), 0))).scalar_one())
