"""Password recovery by an SMS code or through My Government."""
