"""Outside services behind interfaces: SMS sending and mobile-ownership inquiry."""
