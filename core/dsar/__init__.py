"""Data-subject requests: access, portability, erasure, rectification, explanation and opt-out of AI
evaluation, each with a due date from the packs, an identity check, a status and an overdue alert.

Modules: ``models`` (requests, exports, disclosures, erasure receipts), ``service`` (receiving, due dates,
identity, statuses, overdue), ``export`` (the encrypted zip and its time-limited link), ``actions`` (carrying
out a verified request, erasure across connectors), ``checks`` (the doctor's overdue alert), ``cli``
(``candor dsar``) and ``views`` (the staff API, the candidate's own requests, the export download).
"""
