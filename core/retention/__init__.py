"""Retention enforcement: per data category, the merged maximum and minimum of the applicable packs, legal
holds that suspend purging, a dry-run plan and a purge log of counts and ids.

Modules: ``models`` (legal holds, the purge log, the run lock) and ``engine`` (plan, purge, run).
"""
