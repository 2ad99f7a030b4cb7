from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """Demo and benchmark data (``manage.py seed_demo``). It sits above every other app and may
    import from all of them; nothing imports from it."""

    name = "demo"
    verbose_name = _("Demo data")
