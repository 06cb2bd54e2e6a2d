from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request


class IsStaffMember(BasePermission):
    """Managers and admins only: a client contact signed in to the portal gets 403, and no
    token can be issued to one."""

    message = "The API is for managers and admins."

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.is_active and user.is_staff_member)
