from django.urls import path
from rest_framework.routers import SimpleRouter

from govsvc.evaluations import api

router = SimpleRouter()
router.register("acts", api.ActViewSet, basename="evaluation-act")
router.register("ratings", api.RatingViewSet, basename="evaluation-rating")
router.register("rectifications", api.RectificationViewSet, basename="evaluation-rectification")
router.register("desk", api.DeskViewSet, basename="evaluation-desk")
router.register("provincial/ratings", api.ProvincialRatingViewSet, basename="evaluation-provincial")

urlpatterns = [
    path("sms/inbound/", api.SmsInboundView.as_view(), name="evaluation-sms-inbound"),
    path("stats/", api.StatsView.as_view(), name="evaluation-stats"),
    *router.urls,
]
