"""Test support of orders: ``files`` holds merchants, officers and representatives with
their tokens, registered sellers, valid bodies, signed requests and order files walked to
a given state through the API. People come from ``identity_testing``."""
