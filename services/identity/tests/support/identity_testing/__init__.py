"""Test support of identity, for identity's own tests and for the services that trust it.

- ``parties``: people and companies straight into the database, tokens minted with the
  app's own signer (``make_user``, ``make_legal``, ``token_for``, ``bearer``, ...);
- ``accounts``: a caller with its own address, registration through the API, SMS codes;
- ``representation``: signature keys, signed grants, token exchange, acting-for tokens;
- ``app``: identity's app and machine-client tokens, so another service's tests start an
  identity without importing its server package.
"""
