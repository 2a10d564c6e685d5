"""Messages: one per event and subscription that may read it; the pull box and the webhook
deliveries are two ways of reading the same messages, with one log of attempts."""
