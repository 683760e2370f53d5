from django.urls import path

from govsvc.cases import views

app_name = "cases"
urlpatterns = [
    path("", views.my_cases, name="mine"),
    path("apply/<int:list_no>/", views.apply, name="apply"),
    path("workbench/", views.workbench, name="workbench"),
    path("sub/<int:pk>/<str:action>/", views.sub_act, name="sub_act"),
    path("<str:number>/", views.detail, name="detail"),
    path("<str:number>/results/<int:pk>/", views.result_file, name="result_file"),
    path("<str:number>/<str:action>/", views.act, name="act"),
]
