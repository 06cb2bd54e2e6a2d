from __future__ import annotations

from typing import Any

from rest_framework.exceptions import NotFound
from rest_framework.permissions import BasePermission
from rest_framework.request import Request


class IsStaffMember(BasePermission):
    """Managers and admins only. Nobody signed in: 401. A client contact signed in to the portal:
    404, as every manager page answers them (never a 403 that confirms the URL exists); no token
    can be issued to one."""

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if not (user.is_active and user.is_staff_member):
            raise NotFound
        return True
