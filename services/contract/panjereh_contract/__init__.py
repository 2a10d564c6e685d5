"""What Panjereh's client packages and services share; pydantic and httpx only.

A ``*_client`` package depends on this and nothing of the server: identifiers
(``identifiers``), field types (``types``), access levels (``access_levels``),
the problem+json model (``problems``), the audit-log answers (``audit_models``),
public-key rules (``jwk``) and the base client (``client``).
"""
