"""The staff roles: plain values that permission checks read without loading the models."""

from __future__ import annotations

import enum


class Role(enum.StrEnum):
    ADMIN = "admin"
    REGISTRANT = "registrant"
    NURSE = "nurse"
    MANAGER = "manager"
    BILLING = "billing"
    AUDITOR = "auditor"
