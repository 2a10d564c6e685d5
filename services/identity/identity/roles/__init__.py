"""Roles: base roles, and the merchant, trader and officer roles an admin client assigns."""
