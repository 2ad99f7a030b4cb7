"""Plain helpers shared by the apps' tests (fixtures live in conftest.py)."""

import pytest
from django.db import IntegrityError, transaction


def rejected(factory, **kwargs):
    """The database itself refuses the row the factory makes."""
    with pytest.raises(IntegrityError), transaction.atomic():
        factory(**kwargs)
