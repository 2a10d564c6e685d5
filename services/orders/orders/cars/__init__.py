"""Personal cars of Iranians living abroad: the Mikhak feed, eligibility, the case-permit inquiry.

- ``api``: ``POST /v1/mikhak/cases`` (+ ``GET``, ``POST …/revocation``; `mikhak-feed` machine
  client only) and ``POST /v1/car-case-permits/inquiries`` (+ ``GET …/{id}``; the applicant's
  own token, role base-natural).
- ``eligibility``: the rules service's ``car-import-eligibility``, judged on the day the case was
  entered in Mikhak, with the brand/model checked against ``orders.reference`` (the allowed list).
  Every dated condition (1404/03/21, 1404/09/12, 1404/12/29, "no currency transfer") lives in the
  rules service only.
- ``case_permits``: the ``CasePermits`` interface (local implementation today; the permits
  service will own case permits).
- ``service.successful_inquiry(session, subject, vin)``: for the car order, which shows the 100%
  car duty (rules ``car-abroad-import-duty``; seed 003, RULES-REFERENCE "duties: cars", unverified).
- The car order itself is an order file of kind ``personal-car`` (``orders.files``): registered by
  the person with their own token in the base-natural role (not the merchant role), "no currency
  transfer" only, heading 8703 lines only, each with the car's product ID (its VIN) and a standing
  successful inquiry for that VIN, checked when the line is added or changed and again on submit;
  its duties estimate uses the ``cars`` row of ``import-duties-1404`` (100%).
"""
