from django.urls import path

from govsvc.policies import views

app_name = "policies"
urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("mine/", views.mine, name="mine"),
    path("mine/<int:pk>/confirm/", views.confirm, name="confirm"),
    path("staff/", views.staff_rules, name="staff_rules"),
    path("staff/batches/", views.staff_batches, name="staff_batches"),
    path("staff/batches/<int:pk>/push/", views.staff_push, name="staff_push"),
    path("staff/payments/", views.staff_payments, name="staff_payments"),
    path("staff/versions/<int:pk>/simulation/", views.staff_simulation, name="staff_simulation"),
    path(
        "staff/versions/<int:pk>/<str:action>/",
        views.staff_version_action,
        name="staff_version_action",
    ),
    path("staff/<str:code>/", views.staff_policy, name="staff_policy"),
    path("<str:code>/", views.detail, name="detail"),
]
