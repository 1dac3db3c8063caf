"""The admin pages by feature; importing this package registers every route on ``candor_admin.blueprint.bp``."""

from candor_admin.views import (  # noqa: F401
    attendance,
    audit,
    compliance,
    dashboard,
    interviews,
    jobs,
    operations,
    people,
    plugins,
    signin,
)
