"""Full-text search over stories: FTS5 on SQLite, a GIN index on PostgreSQL.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQLITE_UP = [
    """CREATE VIRTUAL TABLE stories_fts USING fts5(
        title, text, content='stories', content_rowid='id', tokenize='porter unicode61'
    )""",
    """CREATE TRIGGER stories_fts_insert AFTER INSERT ON stories BEGIN
        INSERT INTO stories_fts(rowid, title, text) VALUES (new.id, new.title, new.text);
    END""",
    """CREATE TRIGGER stories_fts_delete AFTER DELETE ON stories BEGIN
        INSERT INTO stories_fts(stories_fts, rowid, title, text)
        VALUES ('delete', old.id, old.title, old.text);
    END""",
    """CREATE TRIGGER stories_fts_update AFTER UPDATE OF title, text ON stories BEGIN
        INSERT INTO stories_fts(stories_fts, rowid, title, text)
        VALUES ('delete', old.id, old.title, old.text);
        INSERT INTO stories_fts(rowid, title, text) VALUES (new.id, new.title, new.text);
    END""",
    "INSERT INTO stories_fts(stories_fts) VALUES ('rebuild')",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS stories_fts_update",
    "DROP TRIGGER IF EXISTS stories_fts_delete",
    "DROP TRIGGER IF EXISTS stories_fts_insert",
    "DROP TABLE IF EXISTS stories_fts",
]
# Must match storage.search.POSTGRES_DOCUMENT exactly for the index to be used.
POSTGRES_UP = [
    "CREATE INDEX ix_stories_search ON stories "
    "USING gin (to_tsvector('english', title || ' ' || text))",
]
POSTGRES_DOWN = ["DROP INDEX IF EXISTS ix_stories_search"]


def upgrade() -> None:
    statements = SQLITE_UP if op.get_bind().dialect.name == "sqlite" else POSTGRES_UP
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    statements = SQLITE_DOWN if op.get_bind().dialect.name == "sqlite" else POSTGRES_DOWN
    for statement in statements:
        op.execute(statement)
