"""Open311 GeoReport v2 routes, mounted at /open311/v2/ by config/urls.py."""

from django.urls import re_path

from govsvc.hotline import open311

FMT = r"\.(?P<fmt>[A-Za-z0-9]+)$"

urlpatterns = [
    re_path(r"^discovery" + FMT, open311.endpoint(open311.discovery), name="open311-discovery"),
    re_path(r"^services" + FMT, open311.endpoint(open311.service_list), name="open311-services"),
    re_path(
        r"^services/(?P<code>[^/]+?)" + FMT,
        open311.endpoint(open311.service_definition),
        name="open311-service",
    ),
    re_path(r"^requests" + FMT, open311.endpoint(open311.requests_view), name="open311-requests"),
    re_path(
        r"^requests/(?P<request_id>[^/]+?)" + FMT,
        open311.endpoint(open311.request_detail),
        name="open311-request",
    ),
    re_path(
        r"^tokens/(?P<token>[^/]+?)" + FMT,
        open311.endpoint(open311.token_detail),
        name="open311-token",
    ),
    re_path(r"^(?P<path>.*)$", open311.not_found, name="open311-not-found"),
]
