from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RenewalsConfig(AppConfig):
    name = "renewals"
    verbose_name = _("Renewals")

    def ready(self):
        from . import receivers  # noqa: F401  (keeps orders' search text current on a customer's rename)
