"""Login: password, second factor (SMS or TOTP), back-off of failures, sessions and refresh tokens."""
