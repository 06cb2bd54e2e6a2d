from django.urls import path

from crm import views

app_name = "crm"

urlpatterns = [
    # /clients/
    path("clients/", views.client_list, name="client_list"),
    path("clients/new/", views.client_create, name="client_create"),
    # /clients/<pk>/
    path("clients/<int:pk>/", views.client_detail, name="client_detail"),
    path("clients/<int:pk>/edit/", views.client_edit, name="client_edit"),
    path("clients/<int:pk>/archive/", views.client_archive, name="client_archive"),
    path("clients/<int:pk>/restore/", views.client_restore, name="client_restore"),
    path("clients/<int:pk>/contacts/new/", views.contact_create, name="contact_create"),
    path("clients/<int:pk>/log/", views.interaction_log, name="interaction_log"),
    path("clients/<int:pk>/log/action-item-row/", views.action_item_row, name="action_item_row"),
    # /contacts/<pk>/
    path("contacts/<int:pk>/edit/", views.contact_edit, name="contact_edit"),
    # /log/
    path("log/", views.log_pick_client, name="log"),
    # /interactions/<pk>/
    path("interactions/<int:pk>/", views.interaction_detail, name="interaction_detail"),
    path("interactions/<int:pk>/edit/", views.interaction_edit, name="interaction_edit"),
    # /action-items/
    path("action-items/", views.action_item_list, name="action_item_list"),
    path("action-items/<int:pk>/done/", views.action_item_complete, name="action_item_complete"),
    # /checkins/<pk>/
    path("checkins/<int:pk>/brief/", views.checkin_briefing, name="checkin_briefing"),
    path("checkins/<int:pk>/reschedule/", views.checkin_reschedule, name="checkin_reschedule"),
    path("checkins/<int:pk>/skip/", views.checkin_skip, name="checkin_skip"),
]
