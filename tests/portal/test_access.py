"""Who reaches which portal URL with which method, and the walls between clients: contact A
never sees client B, an archived client or a project not shared in the portal."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.access import url_names
from tests.factories import UserFactory

WRITE_METHODS = ("post", "put", "patch", "delete")
# url name → (methods it accepts, whether it is a page behind the portal sign-in)
PORTAL_URLS = {
    "home": (("get",), True),
    "project_detail": (("get",), True),
    "status_report": (("get",), True),
    "project_pulse": (("post",), False),  # POST only; who may post: tests/portal/test_pulse.py
    "pulse": (("get", "post"), False),
    "sign_in": (("get", "post"), False),
    "sign_in_password": (("get", "post"), False),
    "sign_in_sent": (("get",), False),
    "link": (("get", "post"), False),
    "invitation": (("get", "post"), False),
    "sign_out": (("post",), False),
}


def portal_url(name, world):
    kwargs = {
        "project_detail": {"pk": world.a.project.pk},
        "status_report": {"pk": world.a.project.pk, "report_pk": world.a.report.pk},
        "project_pulse": {"pk": world.a.project.pk},
        "pulse": {"token": "t" * 43},
        "link": {"token": "t" * 43},
        "invitation": {"token": "t" * 43},
    }.get(name, {})
    return reverse(f"portal:{name}", kwargs=kwargs)


def test_every_portal_url_is_listed():
    assert url_names("portal") == set(PORTAL_URLS)


@pytest.mark.parametrize("role", ["contact", "manager", "anonymous"])
@pytest.mark.parametrize("name", sorted(PORTAL_URLS))
def test_methods_a_portal_url_does_not_accept_answer_405(client, two_clients, name, role):
    if role == "contact":
        client.force_login(two_clients.a.user)
    elif role == "manager":
        client.force_login(two_clients.manager)
    accepted, _ = PORTAL_URLS[name]
    for method in ("get", *WRITE_METHODS):
        response = getattr(client, method)(portal_url(name, two_clients))
        if method in accepted:
            assert response.status_code != 405, (name, method)
        else:
            assert response.status_code == 405, (name, method)


@pytest.mark.parametrize("name", [name for name, (_, signed_in) in PORTAL_URLS.items() if signed_in])
def test_portal_pages_need_a_contact(client, two_clients, name):
    url = portal_url(name, two_clients)
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("portal:sign_in"))

    client.force_login(two_clients.manager)  # staff: the portal is not their place
    assert client.get(url).status_code == 404
    client.force_login(UserFactory(role="admin"))
    assert client.get(url).status_code == 404

    client.force_login(two_clients.a.user)
    assert client.get(url).status_code == 200


def test_contact_a_gets_404_on_everything_of_client_b(client, two_clients):
    client.force_login(two_clients.a.user)
    for project in (two_clients.b.project, two_clients.b.hidden, two_clients.archived.project):
        assert client.get(reverse("portal:project_detail", kwargs={"pk": project.pk})).status_code == 404
    home = client.get(reverse("portal:home")).content.decode()
    assert "Alpha rollout" in home
    for name in ("Bravo", "Gone"):
        assert name not in home


def test_a_project_not_shared_in_the_portal_answers_404(client, two_clients):
    client.force_login(two_clients.a.user)
    assert client.get(reverse("portal:project_detail", kwargs={"pk": two_clients.a.hidden.pk})).status_code == 404
    assert "internal study" not in client.get(reverse("portal:home")).content.decode()


def test_a_contact_of_an_archived_client_gets_404_everywhere(client, two_clients):
    client.force_login(two_clients.archived.user)
    assert client.get(reverse("portal:home")).status_code == 404
    url = reverse("portal:project_detail", kwargs={"pk": two_clients.archived.project.pk})
    assert client.get(url).status_code == 404


def _manager_urls(world):
    """Every manager URL (not the portal, sign-in, admin, /healthz or unsubscribe pages), its arguments
    filled with the id of one of client A's objects: a contact is refused before any lookup."""
    skip = {"portal", "accounts", "admin", "ops", "email"}  # public or signed-link pages, tested on their own
    urls = []

    def walk(patterns, namespace):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                if entry.namespace not in skip and entry.app_name not in skip:
                    walk(entry.url_patterns, entry.namespace)
            elif isinstance(entry, URLPattern) and entry.name:
                # Every argument is the id of one of client A's objects; an export's format is a format.
                kwargs = {
                    name: "csv" if name == "fmt" else world.a.project.pk for name in entry.pattern.regex.groupindex
                }
                urls.append(reverse(f"{namespace}:{entry.name}" if namespace else entry.name, kwargs=kwargs))

    walk(get_resolver().url_patterns, None)
    return urls


def test_a_portal_user_gets_404_on_every_manager_url(client, two_clients):
    urls = _manager_urls(two_clients)
    assert len(urls) > 30
    client.force_login(two_clients.a.user)
    for url in urls:
        assert client.get(url).status_code == 404, url
        assert client.post(url).status_code in (404, 405), url
