"""Database triggers that refuse changes to what a rating or a follow-up said.

``Rating.save`` already refuses them; the triggers also stop a raw ``QuerySet.update`` or
SQL. Status (set aside on appeal) and ``updated_at`` stay changeable. Safe to run twice.
"""

from django.db import migrations

RATING_COLUMNS = [
    "act_id",
    "level",
    "indicators",
    "text",
    "channel",
    "anonymous",
    "rater_id",
    "entered_by_id",
    "created_at",
]
FOLLOW_UP_COLUMNS = ["rating_id", "text", "channel", "created_at"]
TABLES = {
    "evaluations_rating": RATING_COLUMNS,
    "evaluations_followup": FOLLOW_UP_COLUMNS,
}


def _create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table, columns in TABLES.items():
        name = f"{table}_immutable"
        if vendor == "postgresql":
            changed = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in columns)
            schema_editor.execute(
                f"""
                CREATE OR REPLACE FUNCTION {name}() RETURNS trigger AS $$
                BEGIN
                    IF {changed} THEN
                        RAISE EXCEPTION '{table}: 评价提交后不可修改';
                    END IF;
                    RETURN NEW;
                END $$ LANGUAGE plpgsql;
                """
            )
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            schema_editor.execute(
                f"CREATE TRIGGER {name} BEFORE UPDATE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {name}()"
            )
        elif vendor == "sqlite":
            changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in columns)
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")
            schema_editor.execute(
                f"CREATE TRIGGER {name} BEFORE UPDATE ON {table} FOR EACH ROW WHEN {changed} "
                f"BEGIN SELECT RAISE(ABORT, '{table}: 评价提交后不可修改'); END"
            )


def _drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in TABLES:
        name = f"{table}_immutable"
        if vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            schema_editor.execute(f"DROP FUNCTION IF EXISTS {name}()")
        elif vendor == "sqlite":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("evaluations", "0001_ratings_rectifications_desk")]

    operations = [migrations.RunPython(_create, _drop, elidable=False)]
