from django.urls import path

from govsvc.evaluations import views

app_name = "evaluations"
urlpatterns = [
    path("rate/<str:token>/", views.rate, name="rate"),
    path("rate/<str:token>/follow-up/", views.follow_up, name="follow_up"),
    path("pad/<int:window_pk>/", views.window_pad, name="window_pad"),
    path("stats/", views.public_stats, name="stats"),
    path("stats/export.xlsx", views.export_stats, name="stats_export"),
    path("desk/new/", views.desk_new, name="desk_new"),
    path("staff/", views.rectification_list, name="rectification_list"),
    path("staff/appeals/", views.appeal_list, name="appeal_list"),
    path("staff/rectifications/<int:pk>/", views.rectification_detail, name="rectification_detail"),
    path(
        "staff/rectifications/<int:pk>/<str:name>/",
        views.rectification_action,
        name="rectification_action",
    ),
    path("staff/desk/", views.desk_list, name="desk_list"),
    path("staff/desk/<int:pk>/", views.desk_detail, name="desk_detail"),
    path("staff/desk/<int:pk>/<str:name>/", views.desk_action, name="desk_action"),
]
