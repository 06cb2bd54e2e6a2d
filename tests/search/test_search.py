"""Global search: PostgreSQL full text with weights and trigram similarity, grouped by kind,
scoped to what the reader may see, with escaped, highlighted snippets and a fixed query count."""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse

from crm import services as crm_services
from crm.models import Interaction
from projects.models import ChangeRequest, Decision
from search import selectors
from search.models import SearchEntry
from tests.factories import (
    ClientFactory,
    ContactFactory,
    InteractionFactory,
    MilestoneFactory,
    ProjectFactory,
    RiskFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

SEARCH_QUERIES = 11  # session, user, the trigram threshold, one per kind (8)


def search(client, q, **params):
    response = client.get(reverse("search:search"), {"q": q, **params})
    assert response.status_code == 200
    return response


def group(response, slug):
    return next(g for g in response.context["results"].groups if g.kind.slug == slug)


def titles(response, slug):
    return [hit.title for hit in group(response, slug).hits]


def test_it_uses_postgresql():
    assert connection.vendor == "postgresql"


def test_every_kind_is_found_and_grouped(client, pm, acme):
    client.force_login(pm)
    project = ProjectFactory(client=acme, manager=pm, name="Falcon migration")
    InteractionFactory(client=acme, summary="Quarterly review", notes="They want the falcon dashboard sooner")
    MilestoneFactory(project=project, title="Falcon beta")
    RiskFactory(project=project, title="Falcon vendor late")
    ChangeRequest.objects.create(project=project, title="Falcon reports in scope")
    Decision.objects.create(project=project, title="Falcon ships in two phases", made_by="Jane and Alice")
    ContactFactory(client=acme, name="Frank Falcon", email="frank@acme.test")

    response = search(client, "falcon")
    found = {g.kind.slug: [h.title for h in g.hits] for g in response.context["results"].groups if g.hits}
    assert found == {
        "contacts": ["Frank Falcon"],
        "interactions": ["Quarterly review"],
        "projects": ["Falcon migration"],
        "milestones": ["Falcon beta"],
        "risks": ["Falcon vendor late"],
        "changes": ["Falcon reports in scope"],
        "decisions": ["Falcon ships in two phases"],
    }
    html = response.content.decode()
    assert html.index('id="group-contacts"') < html.index('id="group-interactions"') < html.index('id="group-projects"')


def test_contacts_are_found_by_email_and_phone(client, pm, acme):
    client.force_login(pm)
    ContactFactory(client=acme, name="Pat Smith", email="pat.smith@globex.test", phone="+44 20 7946 0018")
    assert titles(search(client, "globex"), "contacts") == ["Pat Smith"]
    assert titles(search(client, "7946"), "contacts") == ["Pat Smith"]


def test_a_title_match_ranks_above_a_notes_match(client, pm, acme):
    client.force_login(pm)
    InteractionFactory(client=acme, summary="Weekly sync", notes="We also talked about the invoice backlog.")
    InteractionFactory(client=acme, summary="Invoice backlog escalation", notes="")
    InteractionFactory(client=acme, summary="Lunch", notes="Nothing of note")
    assert titles(search(client, "invoice backlog"), "interactions") == ["Invoice backlog escalation", "Weekly sync"]


def test_stemming_finds_other_forms_of_a_word(client, pm, acme):
    client.force_login(pm)
    InteractionFactory(client=acme, summary="Call", notes="The client is migrating their warehouses")
    assert titles(search(client, "migration warehouse"), "interactions") == ["Call"]


def test_a_typo_in_a_name_still_finds_it(client, pm):
    client.force_login(pm)
    ClientFactory(name="Northwind Traders", account_manager=pm)
    ClientFactory(name="Southwest Mills", account_manager=pm)
    assert titles(search(client, "Nortwind"), "clients") == ["Northwind Traders"]


def test_a_typo_in_an_email_still_finds_the_contact(client, pm, acme):
    client.force_login(pm)
    ContactFactory(client=acme, name="Ravi Patel", email="ravi.patel@initech.test")
    assert titles(search(client, "ravi.patle@initech"), "contacts") == ["Ravi Patel"]


def test_another_managers_clients_never_appear(client, pm, other_pm, acme):
    theirs = ClientFactory(name="Zenith Holdings", account_manager=other_pm)
    ContactFactory(client=theirs, name="Zed Zenith")
    InteractionFactory(client=theirs, summary="Zenith pricing talk")
    ProjectFactory(client=theirs, manager=other_pm, name="Zenith portal")
    client.force_login(pm)
    assert search(client, "zenith").context["results"].total == 0
    client.force_login(other_pm)
    assert search(client, "zenith").context["results"].total == 4


def test_a_teammate_sees_the_team_clients(client, teammate, acme):
    InteractionFactory(client=acme, summary="Renewal discussion")
    client.force_login(teammate)
    assert titles(search(client, "renewal"), "interactions") == ["Renewal discussion"]


def test_snippets_highlight_the_words_and_escape_everything_else(client, pm, acme):
    client.force_login(pm)
    payload = '<img src=x onerror="alert(1)"> budget <script>alert(2)</script>'
    InteractionFactory(client=acme, summary=payload, notes="the budget was <b>cut</b>")
    response = search(client, "budget")
    hit = group(response, "interactions").hits[0]
    assert "<mark>budget</mark>" in hit.snippet
    html = response.content.decode()
    assert "<script>alert(2)" not in html and "<img src=x" not in html and "<b>cut" not in html
    assert "&lt;img src=x onerror=" in html and "&lt;script&gt;alert(2)" in html


def test_marker_characters_in_the_text_cannot_open_tags():
    assert selectors._marked('\x02<x>\x03\x03"\x02') == "<mark>&lt;x&gt;</mark>&quot;<mark></mark>"


def test_a_group_shows_a_few_and_links_to_more(client, pm, acme):
    client.force_login(pm)
    InteractionFactory.create_batch(selectors.GROUP_LIMIT + 2, client=acme, summary="Roadmap review")
    response = search(client, "roadmap")
    hits = group(response, "interactions")
    assert len(hits.hits) == selectors.GROUP_LIMIT and hits.has_more
    assert "q=roadmap&amp;kind=interactions" in response.content.decode()
    more = search(client, "roadmap", kind="interactions")
    assert len(group(more, "interactions").hits) == selectors.GROUP_LIMIT + 2
    assert [g.kind.slug for g in more.context["results"].groups] == ["interactions"]


@pytest.mark.parametrize("n", [1, 25])
def test_the_query_count_is_constant(client, pm, n, django_assert_max_num_queries):
    client.force_login(pm)
    for index in range(n):
        the_client = ClientFactory(name=f"Orbit {index}", account_manager=pm)
        ContactFactory(client=the_client, name=f"Orbit contact {index}")
        project = ProjectFactory(client=the_client, manager=pm, name=f"Orbit project {index}")
        InteractionFactory(client=the_client, project=project, summary=f"Orbit meeting {index}")
        MilestoneFactory(project=project, title=f"Orbit milestone {index}")
        RiskFactory(project=project, title=f"Orbit risk {index}")
    with django_assert_max_num_queries(SEARCH_QUERIES):
        response = search(client, "orbit")
    assert response.context["results"].total == min(n, selectors.GROUP_LIMIT) * 6


def test_bad_input_is_a_form_error_not_a_500(client, pm):
    client.force_login(pm)
    response = search(client, "x" * 500)
    assert response.context["form"].errors["q"]
    assert search(client, "a", kind="nope").context["form"].errors["kind"]
    for odd in ['"unbalanced', "a & | ! ( :*", "-", "'; drop table", "\x00"]:
        client.get(reverse("search:search"), {"q": odd})  # no exception, no 500


def test_an_empty_search_shows_the_form(client, pm):
    client.force_login(pm)
    response = search(client, "")
    assert response.context["results"].groups == []


def test_the_box_is_on_every_manager_page(client, pm, acme):
    client.force_login(pm)
    for url in [reverse("today:index"), reverse("crm:client_list"), reverse("crm:client_detail", args=[acme.pk])]:
        assert f'action="{reverse("search:search")}"' in client.get(url).content.decode()


def test_portal_users_and_strangers_get_no_search(client, client_contact):
    client.force_login(client_contact)
    assert client.get(reverse("search:search"), {"q": "acme"}).status_code == 404
    client.logout()
    assert client.get(reverse("search:search"), {"q": "acme"}).status_code == 302


def test_the_plain_fallback_matches_every_word_and_marks_it():
    snippet = selectors._plain_snippet("We discussed the Budget and the <timeline>", "budget timeline")
    assert selectors._marked(snippet) == "We discussed the <mark>Budget</mark> and the &lt;<mark>timeline</mark>&gt;"


def test_a_new_client_is_searchable_at_once(client, pm):
    client.force_login(pm)
    crm_services.client_create(name="Brightwater Labs", account_manager=pm)
    assert titles(search(client, "brightwater"), "clients") == ["Brightwater Labs"]


def test_admins_see_everyone(client, admin_user, other_pm):
    ClientFactory(name="Quasar Inc", account_manager=other_pm)
    client.force_login(admin_user)
    assert titles(search(client, "quasar"), "clients") == ["Quasar Inc"]
    assert UserFactory  # personas come from the factories


def test_the_database_keeps_the_search_documents_current(client, pm, acme):
    client.force_login(pm)
    interaction = InteractionFactory(client=acme, summary="Kickoff", notes="Discussed the gazebo")
    assert titles(search(client, "gazebo"), "interactions") == ["Kickoff"]

    Interaction.objects.filter(pk=interaction.pk).update(notes="Discussed the pergola")  # no save(), no signal
    assert titles(search(client, "gazebo"), "interactions") == []
    assert titles(search(client, "pergola"), "interactions") == ["Kickoff"]

    interaction.delete()
    assert not SearchEntry.objects.filter(kind="interactions", object_id=interaction.pk).exists()


def test_every_kind_has_its_own_index():
    from search.kinds import KINDS
    from search.models import KIND_SLUGS

    assert KIND_SLUGS == tuple(kind.slug for kind in KINDS)
