"""The API reference page's one filter: the schema's descriptions are written with Markdown's `code`
spans (drf-spectacular passes docstrings through), shown as <code> rather than as backticks."""

from django import template
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe

register = template.Library()


@register.filter
def inline_code(text):
    """Escaped text whose `spans` become <code>spans</code>; an unmatched backtick stays as it is."""
    parts = str(text or "").split("`")
    if len(parts) % 2 == 0:
        return conditional_escape(text)
    return mark_safe(  # noqa: S308 - every part is escaped above or by format_html
        "".join(
            format_html("<code>{}</code>", part) if index % 2 else conditional_escape(part)
            for index, part in enumerate(parts)
        )
    )
