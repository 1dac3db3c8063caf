"""File import of jobs and candidates (CSV, Excel .xlsx, DBF) for migrations and companies without an API.

Modules: ``readers`` (streaming tables and encodings), ``mapping`` (headers to fields), ``cleaning`` (cell
values), ``rows`` (per-row checks), ``checks`` (duplicates in the file and the database), ``report`` (the
dry-run report), ``writer`` (rows through ``candor.recruiting``), ``runner`` (check, then write all or
nothing), ``models`` (``ImportRun``) and ``cli`` (``candor import``).
"""

from candor.imports.mapping import MappingError, load_mapping
from candor.imports.models import ImportOutcome, ImportRun
from candor.imports.readers import UnusableFile
from candor.imports.report import ImportReport
from candor.imports.runner import ImportOptionsError, ImportRequest, check_file, import_file

__all__ = [
    "ImportOptionsError", "ImportOutcome", "ImportReport", "ImportRequest", "ImportRun", "MappingError",
    "UnusableFile", "check_file", "import_file", "load_mapping",
]
