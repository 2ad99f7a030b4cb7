from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import SimpleRouter

from . import docs, management, schema  # noqa: F401  (schema: the token's OpenAPI security scheme)
from .views import (
    CertificateViewSet,
    ContactViewSet,
    CustomerViewSet,
    NoteViewSet,
    OrderViewSet,
    OutboxViewSet,
    ReminderViewSet,
)

router = SimpleRouter()
router.register("customers", CustomerViewSet, basename="api-customer")
router.register("contacts", ContactViewSet, basename="api-contact")
router.register("orders", OrderViewSet, basename="api-order")
router.register("certificates", CertificateViewSet, basename="api-certificate")
router.register("reminders", ReminderViewSet, basename="api-reminder")
router.register("outbox", OutboxViewSet, basename="api-outbox")
router.register("notes", NoteViewSet, basename="api-note")

urlpatterns = [
    path("api/v1/", include(router.urls)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", docs.ApiDocsView.as_view(), name="api-docs"),
    path("settings/api/", management.TokenListView.as_view(), name="api-tokens"),
    path("settings/api/tokens/<int:pk>/revoke/", management.RevokeTokenView.as_view(), name="api-token-revoke"),
    path("settings/webhooks/", management.WebhookListView.as_view(), name="webhooks"),
    path("settings/webhooks/<int:pk>/", management.WebhookDetailView.as_view(), name="webhook-detail"),
]
