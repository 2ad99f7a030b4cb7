from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = _("API and webhooks")

    def ready(self):
        from . import receivers  # noqa: F401  (turns renewals' and notifications' signals into webhook events)
