"""Test support of permits: ``app`` starts permits for the tests of a service that calls it,
without that service importing permits's server package."""
