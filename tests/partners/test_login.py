"""Logging in, and the throttle on repeated failures."""

import pytest
from django.conf import settings
from django.urls import reverse

from tests.factories import PASSWORD

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]


def log_in(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_login_with_the_right_password_lands_on_home(client, sales_a):
    response = log_in(client, sales_a.username, PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_wrong_password_shows_the_form_again(client, sales_a):
    response = log_in(client, sales_a.username, "wrong")
    assert response.status_code == 200
    assert response.context["form"].errors


def test_repeated_failures_lock_the_account_even_for_the_right_password(client, sales_a):
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, sales_a.username, "wrong")
    response = log_in(client, sales_a.username, PASSWORD)
    assert response.status_code == 429
    assert "Too many failed logins" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_failures_below_the_limit_do_not_lock(client, sales_a):
    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        log_in(client, sales_a.username, "wrong")
    assert log_in(client, sales_a.username, PASSWORD).status_code == 302


def test_logout_is_a_post_and_returns_to_login(client, sales_a):
    client.force_login(sales_a)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
