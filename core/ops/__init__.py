"""Running Candor in production: the Prometheus metrics endpoint (``metrics``), backups and restores
(``backup``, ``candor backup`` / ``candor restore``) and simulated candidates and reviewers for load tests and
smoke tests of a deployment (``simulate``).

Nothing here changes how the platform behaves; it observes it, copies it, or drives it over HTTP as people do.
"""
