from django.urls import path

from govsvc.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search_page, name="search"),
    path("bundles/", views.bundle_list, name="bundle_list"),
    path("bundles/<int:list_no>/", views.bundle_detail, name="bundle_detail"),
    path("items/<str:code>/", views.item_detail, name="item_detail"),
    path("departments/", views.department_list, name="department_list"),
    path("departments/<str:code>/", views.department_detail, name="department_detail"),
]
