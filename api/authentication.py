"""`Authorization: Token <key>` against the hashed keys of api.models.ApiToken."""

from __future__ import annotations

from typing import Any

from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from api.selectors import api_token_for_key
from api.services import api_token_mark_used

KEYWORD = "Token"


class TokenAuthentication(BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != KEYWORD.lower().encode():
            return None  # not ours: the session (or nobody) may still authenticate
        if len(parts) != 2:
            raise AuthenticationFailed("Send the header as “Authorization: Token <key>”.")
        try:
            key = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise AuthenticationFailed("Invalid token.") from None
        token = api_token_for_key(key=key)
        if token is None:
            raise AuthenticationFailed("Invalid or revoked token.")
        api_token_mark_used(token=token)
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        # Makes DRF answer 401 (not 403) to a request with no credentials.
        return KEYWORD
