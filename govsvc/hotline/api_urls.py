from django.urls import path

from govsvc.hotline import api

urlpatterns = [
    path("tickets/", api.TicketListView.as_view(), name="hotline-api-tickets"),
    path("tickets/<str:number>/", api.TicketDetailView.as_view(), name="hotline-api-ticket"),
    path(
        "tickets/<str:number>/attachments/<int:pk>/",
        api.AttachmentView.as_view(),
        name="hotline-api-attachment",
    ),
    path(
        "tickets/<str:number>/actions/<str:action>/",
        api.TicketActionView.as_view(),
        name="hotline-api-ticket-action",
    ),
    path("track/", api.TrackView.as_view(), name="hotline-api-track"),
    path("classify/", api.ClassifyView.as_view(), name="hotline-api-classify"),
    path("categories/", api.CategoryListView.as_view(), name="hotline-api-categories"),
    path("stats/", api.StatsView.as_view(), name="hotline-api-stats"),
]
