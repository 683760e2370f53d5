from rest_framework.routers import SimpleRouter

from govsvc.directory.api import DepartmentViewSet, RegionViewSet

router = SimpleRouter()
router.register("regions", RegionViewSet, basename="region")
router.register("departments", DepartmentViewSet, basename="department")
urlpatterns = router.urls
