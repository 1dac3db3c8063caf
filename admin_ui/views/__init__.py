"""The admin pages by feature; importing this package registers every route on ``candor_admin.blueprint.bp``."""

from candor_admin.views import (  # noqa: F401
    audit,
    compliance,
    dashboard,
    interviews,
    jobs,
    people,
    plugins,
    signin,
)
