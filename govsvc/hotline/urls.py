from django.urls import path

from govsvc.hotline import views

app_name = "hotline"
urlpatterns = [
    path("", views.submit, name="submit"),
    path("track/", views.track, name="track"),
    path("intake/", views.intake, name="intake"),
    path("tickets/", views.ticket_list, name="tickets"),
    path("tickets/<str:number>/", views.ticket_detail, name="ticket"),
    path("tickets/<str:number>/do/<str:action>/", views.ticket_action, name="ticket_action"),
    path("dashboard/", views.dashboard, name="dashboard"),
]
