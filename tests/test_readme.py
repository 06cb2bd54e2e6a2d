"""The README's figures are the ones the tests and settings hold, so they cannot drift apart
again: the number of beat tasks and every query budget the README quotes."""

from __future__ import annotations

import re

from django.conf import settings

from tests.conftest import REPO
from tests.crm import test_queries as crm_queries
from tests.jobs import test_reports
from tests.portal import test_queries as portal_queries
from tests.projects import test_queries as project_queries
from tests.today import test_today

README = " ".join((REPO / "README.md").read_text().split())  # line breaks as plain spaces
NUMBERS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]


def test_the_readme_counts_the_tasks_beat_wakes():
    stated = re.search(r"Beat wakes (\w+) tasks", README)
    assert stated is not None
    assert stated.group(1) == NUMBERS[len(settings.CELERY_BEAT_SCHEDULE)]


def test_the_readme_quotes_the_query_budgets_the_tests_assert():
    budgets = {
        "client list": crm_queries.CLIENT_LIST_QUERIES,
        "client page": crm_queries.CLIENT_PAGE_QUERIES,
        "log form": crm_queries.LOG_FORM_GET_QUERIES,
        "log form POST": crm_queries.LOG_FORM_POST_QUERIES,
        "my action items": crm_queries.ACTION_ITEM_LIST_QUERIES,
        "project list": project_queries.PROJECT_LIST_QUERIES,
        "project page": project_queries.PROJECT_PAGE_QUERIES,
        "portal home": portal_queries.PORTAL_HOME_QUERIES,
        "portal project page": portal_queries.PORTAL_PROJECT_QUERIES,
        "Today": test_today.TODAY_QUERIES,
        "briefing": test_today.BRIEFING_QUERIES,
        "report builder at most": test_reports.REPORT_BUILD_QUERIES,
    }
    # "…rows: client list 4, client page 10, log form 4 (GET) and 11 (POST), …, health recompute 3."
    listed = README[README.index("Query budgets are asserted") :].split("rows: ", 1)[1].split(". ")[0]
    quoted = {}
    for item in listed.split(", "):
        label, number = re.match(r"(.+?) (\d+)", item).groups()
        quoted[label] = int(number)
        if post := re.search(r"(\d+) \(POST\)", item):
            quoted[f"{label} POST"] = int(post.group(1))
    assert {label: quoted.get(label) for label in budgets} == budgets
