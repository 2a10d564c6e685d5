"""Machine clients, their secrets, and the grant types of the token endpoint."""
