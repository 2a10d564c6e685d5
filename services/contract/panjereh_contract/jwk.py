"""Public-key rules shared by the signature-key contract and the server that checks it."""

from __future__ import annotations

# RFC 7517/7518: the members that make a JWK private (or symmetric); a public key carries none.
PRIVATE_JWK_MEMBERS = ("d", "p", "q", "dp", "dq", "qi", "oth", "k")
