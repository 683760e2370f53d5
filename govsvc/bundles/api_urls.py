from rest_framework.routers import SimpleRouter

from govsvc.bundles.api import BundleViewSet

router = SimpleRouter()
router.register("bundles", BundleViewSet, basename="bundle")
urlpatterns = router.urls
