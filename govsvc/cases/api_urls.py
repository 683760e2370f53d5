from rest_framework.routers import SimpleRouter

from govsvc.cases.api import (
    AuthorisationViewSet,
    CaseViewSet,
    NotificationViewSet,
    SubCaseViewSet,
    WebhookViewSet,
)

router = SimpleRouter()
router.register("cases", CaseViewSet, basename="case")
router.register("subcases", SubCaseViewSet, basename="subcase")
router.register("notifications", NotificationViewSet, basename="notification")
router.register("webhooks", WebhookViewSet, basename="webhook")
router.register("authorisations", AuthorisationViewSet, basename="authorisation")
urlpatterns = router.urls
