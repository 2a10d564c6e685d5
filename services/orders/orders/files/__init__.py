"""Order-registration files (پرونده ثبت سفارش): drafts, tariff lines, states, access levels."""
