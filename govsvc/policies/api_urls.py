from django.urls import path

from govsvc.policies import api

urlpatterns = [
    path("", api.policy_list, name="policy-api-list"),
    path("fields/", api.field_list, name="policy-api-fields"),
    path("rules/check/", api.check_rule, name="policy-api-check"),
    path("explain/", api.explain_values, name="policy-api-explain"),
    path("mine/", api.mine, name="policy-api-mine"),
    path("matches/<int:pk>/confirm/", api.confirm_match, name="policy-api-confirm"),
    path("versions/<int:pk>/simulation/", api.simulation, name="policy-api-simulation"),
    path("versions/<int:pk>/<str:action>/", api.version_action, name="policy-api-version-action"),
    path("batches/", api.start_batch, name="policy-api-batches"),
    path("batches/<int:pk>/", api.batch_detail, name="policy-api-batch"),
    path("batches/<int:pk>/push/", api.push_batch, name="policy-api-push"),
    path("payments/", api.order_list, name="policy-api-payments"),
    path("payments/<int:pk>/review/", api.review_order, name="policy-api-payment-review"),
    path("payments/hand-over/", api.hand_over, name="policy-api-hand-over"),
    path("profiles/import/", api.import_file, name="policy-api-import"),
    path("<str:code>/", api.policy_detail, name="policy-api-detail"),
    path("<str:code>/versions/", api.create_version, name="policy-api-versions"),
    path("<str:code>/payment-orders/", api.create_orders, name="policy-api-orders"),
]
