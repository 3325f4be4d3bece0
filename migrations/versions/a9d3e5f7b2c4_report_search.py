"""full-text search over reports and notes: PostgreSQL tsvector + GIN, SQLite FTS5 + triggers

PostgreSQL: report.search, a stored generated tsvector of the text and the place ('danish'),
with a GIN index; a GIN expression index on the notes' to_tsvector('danish', body). Both are
computed by PostgreSQL, existing rows included.

SQLite: FTS5 tables report_fts (rowid = report.id) and note_fts (rowid = note.id), holding
the Danish stems (meldecentral/domain/stemming.py, the SQL function mc_stems registered on
every connection by meldecentral/db/sqlite.py), kept current by triggers; existing rows
filled here.

Revision ID: a9d3e5f7b2c4
Revises: f4c2d8a6b1e3
Create Date: 2026-12-07 02:50:00

"""
from alembic import op

from meldecentral.db.sqlite import register_functions


# revision identifiers, used by Alembic.
revision = 'a9d3e5f7b2c4'
down_revision = 'f4c2d8a6b1e3'
branch_labels = None
depends_on = None

REPORT_DOC = "{p}text || ' ' || coalesce({p}address_text, '')"
TOKENIZE = "tokenize = 'unicode61 remove_diacritics 0'"
SQLITE = [
    f"CREATE VIRTUAL TABLE report_fts USING fts5(stems, {TOKENIZE})",
    f"CREATE VIRTUAL TABLE note_fts USING fts5(stems, report_id UNINDEXED, {TOKENIZE})",
    "INSERT INTO report_fts(rowid, stems) SELECT id, mc_stems({}) FROM report".format(
        REPORT_DOC.format(p="")
    ),
    "INSERT INTO note_fts(rowid, stems, report_id) SELECT id, mc_stems(body), report_id FROM note",
    "CREATE TRIGGER report_fts_insert AFTER INSERT ON report BEGIN "
    "INSERT INTO report_fts(rowid, stems) VALUES (new.id, mc_stems({})); END".format(
        REPORT_DOC.format(p="new.")
    ),
    "CREATE TRIGGER report_fts_update AFTER UPDATE OF text, address_text ON report BEGIN "
    "UPDATE report_fts SET stems = mc_stems({}) WHERE rowid = new.id; END".format(
        REPORT_DOC.format(p="new.")
    ),
    "CREATE TRIGGER report_fts_delete AFTER DELETE ON report BEGIN "
    "DELETE FROM report_fts WHERE rowid = old.id; END",
    "CREATE TRIGGER note_fts_insert AFTER INSERT ON note BEGIN "
    "INSERT INTO note_fts(rowid, stems, report_id) "
    "VALUES (new.id, mc_stems(new.body), new.report_id); END",
    "CREATE TRIGGER note_fts_update AFTER UPDATE OF body, report_id ON note BEGIN "
    "UPDATE note_fts SET stems = mc_stems(new.body), report_id = new.report_id "
    "WHERE rowid = new.id; END",
    "CREATE TRIGGER note_fts_delete AFTER DELETE ON note BEGIN "
    "DELETE FROM note_fts WHERE rowid = old.id; END",
]


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute(
            "ALTER TABLE report ADD COLUMN search tsvector GENERATED ALWAYS AS "
            "(to_tsvector('danish'::regconfig, {})) STORED".format(REPORT_DOC.format(p=""))
        )
        op.execute("CREATE INDEX ix_report_search ON report USING gin (search)")
        op.execute(
            "CREATE INDEX ix_note_search ON note USING gin "
            "(to_tsvector('danish'::regconfig, body))"
        )
        return
    # (the app's connections have mc_stems already; this one may come from elsewhere)
    register_functions(bind.connection.driver_connection)
    for statement in SQLITE:
        op.execute(statement)


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("DROP INDEX ix_note_search")
        op.execute("DROP INDEX ix_report_search")
        op.execute("ALTER TABLE report DROP COLUMN search")
        return
    for name in ("report_fts_insert", "report_fts_update", "report_fts_delete",
                 "note_fts_insert", "note_fts_update", "note_fts_delete"):
        op.execute(f"DROP TRIGGER {name}")
    op.execute("DROP TABLE note_fts")
    op.execute("DROP TABLE report_fts")
