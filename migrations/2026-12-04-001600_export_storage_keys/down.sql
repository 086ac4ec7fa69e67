-- The absolute paths are not restored: the data folder they were under is a setting SQL does not know. The keys
-- (`exports/<name>`) stay; an older build reads them relative to its working folder, and the exports expire
-- within a day anyway. The schema is unchanged either way.
SELECT 1;
