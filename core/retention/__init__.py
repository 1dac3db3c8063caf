"""Retention enforcement: per data category, the merged maximum and minimum of the applicable packs, legal
holds that suspend purging, a dry-run plan and a purge log of counts and ids.

Modules: ``models`` (legal holds, the purge log, the run lock), ``engine`` (plan, purge, run; the worker's
sweep calls ``run_if_due`` every round), ``holds`` (placing and releasing legal holds) and ``cli``
(``candor retention``).
"""
