"""OpenAPI: the bearer token as the security scheme, and the error answers every operation can give
(drf-spectacular documents successes only), so a client, or schemathesis, finds each status code
it can receive. Every description is translated: the schema is generated in the reader's language
(``api.docs``); names, paths and JSON stay as they are."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension

from partners.models import MAX_ID

ERROR = {"$ref": "#/components/schemas/Error"}
ERRORS = {
    "400": _("A parameter or field not understood; the body names it."),
    "401": _("No token, or an invalid or revoked one."),
    "403": _("A read-only token (POST), or the token's creator may not do this."),
    "404": _("No such row among the partner's (another partner's id is absent too)."),
    "429": _("Too many requests for this token; wait for Retry-After seconds."),
}
POST_ERRORS = {
    "409": _("The order cannot be renewed now; the body says why."),
    "415": _("The body must be JSON."),
    "422": _("The Idempotency-Key was used for another request."),
}


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": _("A partner's API token: `Authorization: Bearer rpt_…`."),
        }


def add_error_responses(result, generator, request, public):
    """POSTPROCESSING_HOOKS: the ``Error`` body and the codes above on every operation."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = {
        "type": "object",
        "description": _("`detail` for most errors; a field or parameter name with its messages for a 400."),
        "properties": {"detail": {"type": "string"}},
        "additionalProperties": True,
    }
    for path in result.get("paths", {}).values():
        for method, operation in path.items():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "path" and parameter["name"] == "id":
                    # Routed as any segment (a JSON 404 for one that is not an id), documented as the id.
                    parameter["schema"] = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
            codes = ERRORS | (POST_ERRORS if method == "post" else {})
            responses = operation.setdefault("responses", {})
            for code, description in codes.items():
                content = {"application/json": {"schema": ERROR}}
                if code == "400":
                    # The NUL guard (config/middleware.py) answers before the API, with its HTML page.
                    content["text/html"] = {"schema": {"type": "string"}}
                responses.setdefault(code, {"description": description, "content": content})
    return result
