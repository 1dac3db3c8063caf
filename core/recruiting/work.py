"""The recruiting loop's units of work, registered as core work kinds by ``create_app``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from candor.recruiting import invitations, loop, sync

if TYPE_CHECKING:
    from candor.interfaces import WorkHandler
    from candor.state import CandorState


def work_handlers(state: CandorState) -> dict[str, WorkHandler]:
    return {
        invitations.SEND_KIND: lambda context: invitations.send_invitation(state, context),  # type: ignore[arg-type]
        invitations.REMIND_KIND: lambda context: invitations.send_reminder(state, context),  # type: ignore[arg-type]
        sync.SYNC_KIND: lambda context: sync.run_sync(state, context),  # type: ignore[arg-type]
        loop.CONCLUDE_KIND: lambda context: loop.run_conclusion(state, context),  # type: ignore[arg-type]
    }
