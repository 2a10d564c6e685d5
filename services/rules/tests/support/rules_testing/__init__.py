"""Test support of rules: ``app`` starts rules for the tests of a service that asks it
for fees and duties, without that service importing rules' server package."""
