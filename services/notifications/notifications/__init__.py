"""Panjereh notifications: Notifications: every service's events, followed from their feeds, reach client software as signed webhooks and pull boxes."""
