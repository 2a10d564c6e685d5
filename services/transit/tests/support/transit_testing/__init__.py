"""Test support of transit: ``app`` starts transit for the tests of a service that calls it,
without that service importing transit's server package."""
