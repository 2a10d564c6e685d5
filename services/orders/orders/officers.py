"""Which officers review what orders holds.

Order registrations and product-ID requests are reviewed by the experts of the Ministry of
Industry, Mine and Trade (وزارت صنعت، معدن و تجارت): seed 003 «تایید اولیه توسط کارشناسان وزارت
صمت» for order registrations, and the product-ID system (سامانه شناسه کالا) is the ministry's, its
«کارشناس سامانه» deciding on new values and supervised headings (seed 001). identity's officer
role carries the office in the token (``office``: kind and code); officers of a customs office or
another authority review neither.
"""

from __future__ import annotations

from kit.auth import Principal

OFFICER = "officer"
# The office claim of the Ministry of Industry, Mine and Trade (seed 003).
MIMT_OFFICE = ("issuing-authority", "mimt")


def is_mimt_officer(principal: Principal) -> bool:
    """An officer of the ministry, in their own token (never acting for someone)."""
    if principal.actor is not None or OFFICER not in principal.roles:
        return False
    if not principal.subject.startswith("user:"):
        return False
    office = principal.claims.get("office")
    return isinstance(office, dict) and (office.get("kind"), office.get("code")) == MIMT_OFFICE
