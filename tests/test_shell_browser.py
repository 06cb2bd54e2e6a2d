from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_manager_signs_in_and_sees_the_shell(page, live_server, pm, sign_in_browser, axe_check):
    page.goto(f"{live_server.url}/")
    expect(page.get_by_role("heading", name="Sign in to Rapport")).to_be_visible()
    assert axe_check(page) == []

    sign_in_browser(page, pm)
    expect(page.get_by_role("heading", name="Today")).to_be_visible()
    navigation = page.get_by_role("navigation", name="Main")
    expect(navigation.get_by_role("link", name="Today")).to_have_attribute("aria-current", "page")
    assert page.locator("main").count() == 1
    assert page.locator("html").get_attribute("lang") == "en"
    assert axe_check(page) == []


def test_the_navigation_collapses_on_a_phone(page, live_server, pm, sign_in_browser):
    page.set_viewport_size({"width": 375, "height": 740})
    sign_in_browser(page, pm)
    menu = page.get_by_role("button", name="Show navigation")
    expect(menu).to_be_visible()
    menu.click()
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Today")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_failed_sign_in_shows_the_error_beside_the_form(page, live_server, pm):
    page.goto(f"{live_server.url}/accounts/sign-in/")
    page.get_by_label("Email").fill(pm.email)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("do not match an account")).to_be_visible()
    expect(page.get_by_label("Email")).to_have_value(pm.email)
