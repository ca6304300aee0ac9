"""What staff download: household lists, quarantine lists, the district report, a manifest.

Public API (called by the flows and the demo, read by the portal): ``write_lists``,
``write_quarantine_lists``, ``write_district_report``, ``write_manifest``, ``read_manifest``,
``ManifestEntry`` and ``write_outputs`` (all of them for one run). matplotlib and jinja2 are
imported only when a report is written.
"""

from konray_review.outputs.lists import write_lists
from konray_review.outputs.manifest import ManifestEntry, read_manifest, write_manifest
from konray_review.outputs.publish import write_outputs
from konray_review.outputs.quarantine import write_quarantine_lists
from konray_review.outputs.report import write_district_report

__all__ = ["ManifestEntry", "read_manifest", "write_district_report", "write_lists",
           "write_manifest", "write_outputs", "write_quarantine_lists"]
