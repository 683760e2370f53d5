from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerView,
)

from govsvc.search.api import SearchView

admin.site.site_header = "武汉市政务服务平台 管理后台"
admin.site.site_title = "政务服务平台管理"
admin.site.index_title = "事项、一件事与机构管理"

api_v1: list[URLPattern | URLResolver] = [
    path("", include("govsvc.directory.api_urls")),
    path("", include("govsvc.catalog.api_urls")),
    path("", include("govsvc.bundles.api_urls")),
    path("search", SearchView.as_view(), name="api-search"),
    path("", include("govsvc.cases.api_urls")),
    path("hotline/", include("govsvc.hotline.api_urls")),
    path("policies/", include("govsvc.policies.api_urls")),
    path("evaluations/", include("govsvc.evaluations.api_urls")),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="api-redoc"),
    path("accounts/", include("govsvc.accounts.urls")),
    path("cases/", include("govsvc.cases.urls")),
    path("hotline/", include("govsvc.hotline.urls")),
    path("policies/", include("govsvc.policies.urls")),
    path("evaluations/", include("govsvc.evaluations.urls")),
    path("open311/v2/", include("govsvc.hotline.open311_urls")),
    path("", include("govsvc.portal.urls")),
]
if settings.OIDC_ENABLED:
    urlpatterns.insert(0, path("oidc/", include("mozilla_django_oidc.urls")))
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

handler404 = "govsvc.portal.views.page_not_found"
handler500 = "govsvc.portal.views.server_error"
