"""Users' signature keys and checking a signed request against them."""
