"""Managers grant and withdraw a contact's portal access from the contact's page."""

from django.urls import path

from portal import views

app_name = "portal_access"

urlpatterns = [
    # /contacts/<pk>/portal/grant/ and /contacts/<pk>/portal/revoke/ (POST)
    path("contacts/<int:pk>/portal/grant/", views.contact_portal_grant, name="grant"),
    path("contacts/<int:pk>/portal/revoke/", views.contact_portal_revoke, name="revoke"),
]
