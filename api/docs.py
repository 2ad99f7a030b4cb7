"""/api/docs/: the API's reference, rendered on the server from the OpenAPI schema.

drf-spectacular's Swagger UI and Redoc load their scripts from a CDN, which the Content-Security-Policy
forbids (and the portal may run offline); this page needs no script: each operation with its
parameters, request body and answers, from the same schema as /api/schema/.
"""

import functools

from django.utils import translation
from django.utils.translation import gettext as _
from django.views.generic import TemplateView
from drf_spectacular.generators import SchemaGenerator

METHODS = ("get", "post", "put", "patch", "delete")


def schema_name(schema):
    """A readable name for a schema: its component, ``array of …``, or its type."""
    if not schema:
        return ""
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    if schema.get("type") == "array":
        return _("array of %(name)s") % {"name": schema_name(schema.get("items", {}))}
    return schema.get("type", "object")


def operations(schema):
    for path, item in schema.get("paths", {}).items():
        for method in METHODS:
            if method not in item:
                continue
            operation = item[method]
            body = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            yield {
                "method": method.upper(),
                "path": path,
                "summary": operation.get("summary") or operation.get("operationId", ""),
                "description": operation.get("description", ""),
                "parameters": operation.get("parameters", []),
                "body": schema_name(body),
                "responses": [
                    (
                        code,
                        response.get("description", ""),
                        schema_name(response.get("content", {}).get("application/json", {}).get("schema")),
                    )
                    for code, response in sorted(operation.get("responses", {}).items())
                ],
            }


def api_schema():
    """The schema in the active language: its descriptions are translated as it is generated."""
    return schema_in(translation.get_language())


@functools.cache
def schema_in(language):
    """Generated once per process and language: the schema changes only with the code."""
    with translation.override(language):
        return SchemaGenerator().get_schema(request=None, public=True)


class ApiDocsView(TemplateView):
    template_name = "api/docs.html"

    def get_context_data(self, **kwargs):
        schema = api_schema()
        components = schema.get("components", {}).get("schemas", {})
        return super().get_context_data(
            info=schema.get("info", {}),
            operations=list(operations(schema)),
            components=sorted(
                (name, sorted(component.get("properties", {}).items())) for name, component in components.items()
            ),
            **kwargs,
        )
