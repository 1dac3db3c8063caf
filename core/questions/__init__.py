"""Questions: the competency library, generated and HR-edited question sets of a job with their versions, the
exact questions each interview asks (pinned), follow-ups, personalisation and coding-question runs.

See ``library`` (data files), ``sets`` (generate, edit, approve), ``pinning`` (what an interview asks),
``coding`` (running answers in a sandbox) and ``cli`` (``candor questions``).
"""

from candor.questions.library import CompetencyLibrary, LibraryError, load_library

__all__ = ["CompetencyLibrary", "LibraryError", "load_library"]
