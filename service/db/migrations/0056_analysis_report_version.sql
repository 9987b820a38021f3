-- Where the reports were at when an analysis read them (report_data_version, migration 0010): an analysis is due
-- again once the reports have moved past it (service/analyse/refresh.py), so that the server can bring the
-- sensitive points up to date by itself after an import, a citizen's report or an address settled on the map.
ALTER TABLE analysis_runs ADD COLUMN report_version bigint;
