"""Personal cars of Iranians living abroad: the Mikhak feed, eligibility, the case-permit inquiry."""
