"""Test support of notifications: ``app`` starts notifications for the tests of a service that calls it,
without that service importing notifications's server package."""
