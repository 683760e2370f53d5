from rest_framework.routers import SimpleRouter

from govsvc.catalog.api import ItemViewSet

router = SimpleRouter()
router.register("items", ItemViewSet, basename="item")
urlpatterns = router.urls
