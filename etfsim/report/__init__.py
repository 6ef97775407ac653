"""The fact sheet: the last stage of the data flow, what a designer hands to colleagues.

::

    run_study(scenario) ──► Study ──► StudyResults ──save──► reports/<scenario>/*.parquet
                                          │                        │ load_results
                                          ▼                        ▼
                        factsheet_data / rules_data ──► FactSheetData, RulesSheetData
                                          │
                         render_factsheet / render_rules ──► HTML ──WeasyPrint──► PDF

:func:`run_study` is ``etfsim run`` as one call; :func:`write_report` writes the
data and both sheets all or nothing; :func:`render_report` is ``etfsim report``:
the sheets again from a saved folder, without simulating.  Every figure on a
sheet is built once in :class:`FactSheetData` (numbers from the library and
:mod:`etfsim.report.stats`); the Jinja2 templates only format them.
"""

from etfsim.report.factsheet import FactSheetData, factsheet_data
from etfsim.report.render import SHEETS, html_to_pdf, render_factsheet, render_report, render_rules, write_report
from etfsim.report.results import RESULT_FORMAT, TABLES, StudyResults, load_results
from etfsim.report.rules import RulesSheetData, rules_data
from etfsim.report.study import Study, run_study

__all__ = [
    "RESULT_FORMAT",
    "SHEETS",
    "TABLES",
    "FactSheetData",
    "RulesSheetData",
    "Study",
    "StudyResults",
    "factsheet_data",
    "html_to_pdf",
    "load_results",
    "render_factsheet",
    "render_report",
    "render_rules",
    "rules_data",
    "run_study",
    "write_report",
]
