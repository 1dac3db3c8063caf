"""The built-in policy packs, one YAML file per regime (installed as the package ``candor_policies``).

This file only makes the folder importable so that ``importlib.resources`` finds the packs in an editable
install and in a wheel alike; ``candor.policy.loader`` reads them. Organisations add their own packs in the
folders named by the ``policy_dirs`` setting, never here.
"""
