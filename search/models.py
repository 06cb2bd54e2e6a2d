"""The search document of every searchable row, kept by the database.

A PostgreSQL trigger on each searched table (installed by this app's migrations) writes the
row's weighted tsvector here on insert and on any change to its text, and removes it on delete.
Storing the vector, rather than indexing an expression over the row, lets PostgreSQL check and
rank a match without re-parsing the text: a common word matching most of a big book costs a walk
over the newest rows, not a to_tsvector() per row. On SQLite the table stays empty and search
falls back to plain matching."""

from __future__ import annotations

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models

# The kinds of search.kinds, one partial GIN index each: a word common in meeting notes must not
# make a contact search walk every interaction's entry in a shared index.
KIND_SLUGS = ("clients", "contacts", "interactions", "projects", "milestones", "risks", "changes", "decisions")


class SearchEntry(models.Model):
    kind = models.CharField(max_length=16)  # a search.kinds slug
    object_id = models.BigIntegerField()
    document = SearchVectorField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "object_id"], name="search_entry_once")]
        indexes = [
            GinIndex(fields=["document"], condition=models.Q(kind=slug), name=f"search_entry_{slug}")
            for slug in KIND_SLUGS
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.object_id}"
