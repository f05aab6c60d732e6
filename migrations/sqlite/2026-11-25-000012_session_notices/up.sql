-- PostgreSQL only (session notices between instances). SQLite serves one instance, which
-- does not keep sessions in memory; nothing changes here.
SELECT 1;
