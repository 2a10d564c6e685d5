"""Reference data of the orders service: tariff lines, permit kinds, customs offices and provinces,
Incoterms, FIDA foreign sellers, allowed car brands and models, countries and currencies.

Dated, cited data files (``data/*.yaml``) loaded into the ``orders`` schema by migration; see
services/orders/REFERENCE-DATA.md.
"""
