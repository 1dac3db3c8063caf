"""Human review and decision (GDPR Art. 22, PIPL Art. 24, EU AI Act Art. 14): reviewer assignment, what a
reviewer sees (``detail``), "blind first", ratings and decisions with override reasons (``service``), the stop
button (``suspensions``, also a rule of the purpose gate) and candidates' requests for human review, all over
the API in ``views``."""
