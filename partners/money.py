"""The currencies a partner sells in. Here, below every app that prices or formats money, because
``Partner.currency`` holds one; amounts and their formatting live in ``renewals.money``."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Currency(models.TextChoices):
    KRW = "KRW", _("Korean won")
    USD = "USD", _("US dollar")
