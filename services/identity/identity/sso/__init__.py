"""Login through "My Government" (OpenID Connect), and its sandbox fake."""
