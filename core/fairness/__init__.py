"""Bias audits and voluntary demographic data (NYC LL144, Illinois §20).

Owns the demographic answers candidates volunteer (``models``, ``service``), the outcomes audits measure, the
LL144 arithmetic (``metrics``), the reports and their CSV, JSON and HTML forms (``report``,
``render``), the candidate and auditor endpoints (``views``) and ``candor audit bias`` (``cli``). It must
never hand demographic data to analyzers, reviewers or any endpoint other than the aggregate reports.
"""
