"""Which variant of an offer a customer sees: a stable hash, so the same customer always gets the same
amount in emails, on the renewal page and in the staff dialog, in every process and after restarts.

Python's ``hash()`` is salted per process, so it is never used here: the point on the scale is the
SHA-256 of ``"<offer id>:<customer id>"``, and the variants (in ``position``, ``id`` order) share the
scale by their ``weight``.
"""

import hashlib

# The first 8 bytes of the digest: a 64-bit number, so the remainder's bias over any sane total
# weight is below one in 10^15.
_POINT_BYTES = 8


def assignment_point(offer_id: int, customer_id: int, total_weight: int) -> int:
    """A number from 0 to ``total_weight`` - 1, the same for the same offer and customer everywhere."""
    digest = hashlib.sha256(f"{offer_id}:{customer_id}".encode()).digest()
    return int.from_bytes(digest[:_POINT_BYTES], "big") % total_weight


def ordered_variants(offer):
    """The offer's variants in their stable order (from a prefetch of ``variants`` when there is one)."""
    return sorted(offer.variants.all(), key=lambda variant: (variant.position, variant.pk))


def variant_for(offer, customer_id: int, variants=None):
    """The variant of ``offer`` that customer ``customer_id`` sees; None when it has no variants.
    ``variants`` (the offer's, in any order) saves the query when the caller has them."""
    variants = sorted(variants, key=lambda v: (v.position, v.pk)) if variants is not None else ordered_variants(offer)
    if not variants:
        return None
    point = assignment_point(offer.pk, customer_id, sum(variant.weight for variant in variants))
    for variant in variants:
        if point < variant.weight:
            return variant
        point -= variant.weight
    raise AssertionError("unreachable: the point is below the total weight")
