"""Global search's indexes on crm and projects tables, owned by this app: the pg_trgm extension,
one GIN index per kind on its weighted tsvector expression (the same expression search.kinds
builds for queries) and trigram GIN indexes on names and emails. PostgreSQL only: on SQLite
(the embedded default) every step is a no-op and search falls back to plain matching."""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations


def _indexes(apps):
    from search.kinds import KINDS

    for kind in KINDS:
        model = apps.get_model(kind.app_label, kind.model_name)
        yield model, GinIndex(kind.vector(), name=kind.index_name)
        for field in kind.trigram:
            yield model, GinIndex(fields=[field], opclasses=["gin_trgm_ops"], name=kind.trigram_index_name(field))


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for model, index in _indexes(apps):
        schema_editor.add_index(model, index)


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for model, index in _indexes(apps):
        schema_editor.remove_index(model, index)


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0004_former_clients_have_no_regular_checkin"),
        ("projects", "0002_statusreport_project_next_report_at_and_more"),
    ]

    operations = [
        TrigramExtension(),
        migrations.RunPython(create_indexes, drop_indexes),
    ]
