"""Global search: one bounded query per kind, each starting from the reader's scoped selector, so
a page costs the same number of queries whatever the size of the book and shows nothing the
reader may not open.

On PostgreSQL a hit is a full-text match of the row's stored weighted tsvector (search.models,
kept by triggers; GIN index) or, for names and emails, a trigram word-similarity match (GIN trigram index) that forgives
typos. Matches are gathered by index, the newest CANDIDATES of them are ranked (ts_rank plus
trigram similarity), and only the top few get a ts_headline snippet. Ranking only the newest
candidates keeps a common word from costing a ts_rank over a whole year of meetings.

On SQLite (the embedded default) each word must appear in one of the kind's fields
(case-insensitive), newest first, with a snippet cut around the first match."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    SearchVectorField,
    TrigramWordSimilarity,
)
from django.db import connection
from django.db.models import Exists, F, FloatField, OuterRef, Q, QuerySet, Subquery, TextField, Value
from django.db.models.functions import Coalesce, Concat
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from accounts.models import User
from search.kinds import CONFIG, KINDS, KINDS_BY_SLUG, Kind
from search.models import SearchEntry

GROUP_LIMIT = 5  # hits per kind on the overview
KIND_LIMIT = 50  # hits on a one-kind page ("more"); refine the words to see others
CANDIDATES = 200  # newest matches ranked per kind
MAX_QUERY_LENGTH = 200
SNIPPET_WORDS = 25
# pg_trgm's default word-similarity threshold (0.6) misses one dropped letter in a nine-letter
# name ("Nortwind" scores 0.58 against "Northwind Traders"); 0.5 still keeps strangers out.
TRIGRAM_THRESHOLD = 0.5
# ts_headline marks matches with these; the text is HTML-escaped before they become <mark>.
START, STOP = "\x02", "\x03"


@dataclass(frozen=True)
class Hit:
    title: str
    url: str
    context: str
    snippet: SafeString


@dataclass(frozen=True)
class Group:
    kind: Kind
    hits: list[Hit]
    has_more: bool


@dataclass(frozen=True)
class Results:
    q: str
    groups: list[Group]
    only: Kind | None

    @property
    def total(self) -> int:
        return sum(len(group.hits) for group in self.groups)


def search_for_user(*, user: User, q: str, kind: str = "") -> Results:
    q = " ".join(q.split())[:MAX_QUERY_LENGTH]
    only = KINDS_BY_SLUG.get(kind)
    if not q:
        return Results(q=q, groups=[], only=only)
    limit = KIND_LIMIT if only else GROUP_LIMIT
    search = _search_plain
    if connection.vendor == "postgresql":
        search = _search_postgres
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('pg_trgm.word_similarity_threshold', %s, false)", [str(TRIGRAM_THRESHOLD)]
            )
    groups = []
    for spec in [only] if only else KINDS:
        rows = search(spec, spec.scoped(user=user), q, limit + 1)
        groups.append(Group(kind=spec, hits=[_hit(spec, row, q) for row in rows[:limit]], has_more=len(rows) > limit))
    return Results(q=q, groups=groups, only=only)


def _document(spec: Kind) -> Concat | F:
    parts: list[Any] = []
    for name in spec.fields:
        if parts:
            parts.append(Value(" … "))
        parts.append(F(name))
    return Concat(*parts, output_field=TextField())


def _search_postgres(spec: Kind, scoped: QuerySet[Any], q: str, limit: int) -> list[Any]:
    query = SearchQuery(q, search_type="websearch", config=CONFIG)
    entries = SearchEntry.objects.filter(kind=spec.slug)
    match = Q(Exists(entries.filter(object_id=OuterRef("pk"), document=query)))
    for name in spec.trigram:
        match |= Q(**{f"{name}__trigram_word_similar": q})
    candidates = scoped.filter(match).order_by("-pk").values("pk")[:CANDIDATES]
    document = Subquery(
        entries.filter(object_id=OuterRef("pk")).values("document")[:1], output_field=SearchVectorField()
    )
    rank: Any = Coalesce(SearchRank(document, query), Value(0.0), output_field=FloatField())
    for name in spec.trigram:
        rank = rank + TrigramWordSimilarity(Value(q), name)  # type: ignore[arg-type]  # a Value keeps q a parameter
    return list(
        scoped.filter(pk__in=candidates)
        .annotate(
            search_rank=rank,
            search_snippet=SearchHeadline(
                _document(spec),
                query,
                config=CONFIG,
                start_sel=START,
                stop_sel=STOP,
                max_words=SNIPPET_WORDS,
                min_words=8,
                max_fragments=2,
                fragment_delimiter=" … ",
            ),
        )
        .order_by(F("search_rank").desc(), "-pk")[:limit]
    )


def _search_plain(spec: Kind, scoped: QuerySet[Any], q: str, limit: int) -> list[Any]:
    rows = scoped
    for word in q.split()[:10]:
        matches_word = Q()
        for name in spec.fields:
            matches_word |= Q(**{f"{name}__icontains": word})
        rows = rows.filter(matches_word)
    return list(rows.annotate(search_rank=Value(0.0, output_field=FloatField())).order_by("-pk")[:limit])


def _hit(spec: Kind, row: Any, q: str) -> Hit:
    snippet = getattr(row, "search_snippet", None)
    if snippet is None:
        snippet = _plain_snippet(" … ".join(str(getattr(row, name) or "") for name in spec.fields), q)
    return Hit(title=spec.title(row), url=spec.url(row), context=spec.context(row), snippet=_marked(snippet))


def _marked(headline: str) -> SafeString:
    """Escape everything, then turn the match markers (and only those, in pairs) into <mark>."""
    out, inside = [], False
    for piece in re.split(f"([{START}{STOP}])", headline):
        if piece == START and not inside:
            out.append("<mark>")
            inside = True
        elif piece == STOP and inside:
            out.append("</mark>")
            inside = False
        elif piece not in (START, STOP):
            out.append(escape(piece))
    if inside:
        out.append("</mark>")
    return mark_safe("".join(out))  # noqa: S308 (every piece of text above is escaped)  # nosec B308, B703


def _plain_snippet(text: str, q: str, *, width: int = 160) -> str:
    """SQLite's stand-in for ts_headline: the text around the first matching word, the words
    wrapped in the same markers."""
    text = " ".join(text.replace(START, "").replace(STOP, "").split())
    words = [re.escape(word) for word in q.split()[:10] if word]
    if not words:
        return text[:width]
    pattern = re.compile("|".join(words), re.IGNORECASE)
    first = pattern.search(text)
    start = max(0, (first.start() if first else 0) - width // 3)
    window = text[start : start + width]
    window = pattern.sub(lambda m: f"{START}{m.group(0)}{STOP}", window)
    return ("…" if start else "") + window + ("…" if start + width < len(text) else "")
