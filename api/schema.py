"""How drf-spectacular describes our token authentication in the OpenAPI schema."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class TokenAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "“Token <key>”, with a key created on your account page.",
        }


# Names for the choice sets that share a field name ("kind", "status") across models, referred to
# from SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"] (which wants importable module attributes).
def _choices() -> dict[str, Any]:
    from crm.models import CheckIn, Client, Interaction
    from projects.models import Project, RiskIssue

    return {
        "InteractionKind": Interaction.Kind,
        "CheckInKind": CheckIn.Kind,
        "CheckInState": CheckIn.State,
        "RiskKind": RiskIssue.Kind,
        "RiskStatus": RiskIssue.Status,
        "ClientStatus": Client.Status,
        "ProjectStatus": Project.Status,
    }


def __getattr__(name: str) -> Any:
    choices = _choices()
    if name in choices:
        return choices[name]
    raise AttributeError(name)
