from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from api.models import ApiToken


class TokenRateThrottle(SimpleRateThrottle):
    """API_RATE_LIMIT requests per token (a script cannot crowd out its owner's other tokens),
    per user for session requests, per address for anonymous ones. Counted in the default cache."""

    scope = "api"

    def get_rate(self) -> str:
        # Read on each request (not frozen at import like DRF's THROTTLE_RATES), so a changed
        # setting applies without a restart of the class.
        return settings.API_RATE_LIMIT

    def get_cache_key(self, request: Request, view: Any) -> str:
        if isinstance(request.auth, ApiToken):
            ident = f"token-{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = f"ip-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}

    def allow_request(self, request: Request, view: Any) -> bool:
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)
