from django.urls import path

from portal import views

app_name = "portal"

urlpatterns = [
    # /portal/ (GET only)
    path("", views.home, name="home"),
    path("projects/<int:pk>/", views.project_detail, name="project_detail"),
    path("projects/<int:pk>/reports/<int:report_pk>/", views.status_report, name="status_report"),
    # /portal/projects/<pk>/pulse/ (POST: a signed-in contact answers "How are we doing?")
    path("projects/<int:pk>/pulse/", views.project_pulse, name="project_pulse"),
    # /portal/pulse/<signed>/ (the answer links of the weekly report; GET asks, POST records)
    path("pulse/<str:token>/", views.pulse, name="pulse"),
    # /portal/sign-in/ and sign-out (the only POSTs)
    path("sign-in/", views.sign_in, name="sign_in"),
    path("sign-in/password/", views.sign_in_password, name="sign_in_password"),
    path("sign-in/sent/", views.sign_in_sent, name="sign_in_sent"),
    path("link/<str:token>/", views.link, name="link"),
    path("invitation/<str:token>/", views.invitation, name="invitation"),
    path("sign-out/", views.sign_out, name="sign_out"),
]
