"""Login forms whose username has a real length limit.

Django's ``AuthenticationForm`` only sets ``max_length`` on the username after the field is built,
so no validator enforces it: a 5,000-character username reached ``authenticate()``, and django-axes
then failed to store the failed attempt in its 255-character column (a 500). Here the limit is a
validator, so an over-long username is a form error and is never authenticated or recorded.
"""

from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _


class BoundedUsernameMixin:
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["username"]
        field.validators.append(
            MaxLengthValidator(field.max_length, message=_("A username has at most %(limit_value)d characters."))
        )


class LoginForm(BoundedUsernameMixin, AuthenticationForm):
    """The portal's login page."""


class AdminLoginForm(BoundedUsernameMixin, AdminAuthenticationForm):
    """The operators' login page of Django's admin."""
