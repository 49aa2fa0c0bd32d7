"""Plans read in bulk: the reviewers' flat tables (tables) and their files (spreadsheet: CSV, XLSX, GeoJSON), the
partner API's reads (api) and the administrators' journal (journal). Figures come from plans.planning."""
