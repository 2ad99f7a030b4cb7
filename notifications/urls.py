from django.urls import path

from . import branding_views, views

urlpatterns = [
    path("settings/reminders/", views.ReminderSettingsView.as_view(), name="reminder-settings"),
    path("settings/reminders/escalations/", views.EscalationSettingsView.as_view(), name="escalation-settings"),
    path("settings/branding/", branding_views.BrandingSettingsView.as_view(), name="branding-settings"),
    path("settings/branding/preview/", branding_views.BrandingPreviewView.as_view(), name="branding-preview"),
    path("customers/<int:customer_id>/recipients/", views.CustomerRecipientsView.as_view(), name="customer-recipients"),
    path("orders/<str:order_number>/recipients/", views.OrderRecipientsView.as_view(), name="order-recipients"),
    path("reminders/preview/", views.PreviewView.as_view(), name="reminder-preview"),
    path("outbox/", views.OutboxView.as_view(), name="outbox"),
    path("outbox/<int:pk>/", views.OutboxEmailView.as_view(), name="outbox-email"),
    path("outbox/<int:pk>/retry/", views.RetryEmailView.as_view(), name="outbox-retry"),
    path("orders/<str:order_number>/resend/", views.ResendReminderView.as_view(), name="order-resend"),
    path("u/<str:token>/", views.UnsubscribeView.as_view(), name="unsubscribe"),
    # Where ``Partner.logo.url`` points (MEDIA_URL is "media/"): the only uploaded files served.
    path("media/partner-logos/<str:name>", branding_views.partner_logo_view, name="partner-logo"),
]
