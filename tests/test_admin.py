"""Operators can open every model's list in the admin."""

import pytest
from django.apps import apps
from django.contrib import admin

from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]

OUR_APPS = ("partners", "renewals", "notifications")


def test_every_model_of_ours_is_registered_and_its_list_opens(client):
    operator = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(operator)
    models = [model for name in OUR_APPS for model in apps.get_app_config(name).get_models()]
    unregistered = [model.__name__ for model in models if not admin.site.is_registered(model)]
    assert unregistered == ["OutboxItem"]  # shown inline on its email
    for model in models:
        if admin.site.is_registered(model):
            url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
            assert client.get(url).status_code == 200, url
