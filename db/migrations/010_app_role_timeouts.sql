-- 010: a transaction the application leaves open cannot hold a connection (and its locks) for long.
--
-- Every request runs in one transaction that sets its own statement_timeout (db/context.ts withCaller: half the
-- function's timeout, set with the role and claims). What that cannot catch is a transaction left idle: a Lambda
-- frozen or timed out between two statements keeps its connection "idle in transaction" behind RDS Proxy, holding
-- row locks and a pinned backend. No code path waits on anything but the database inside a transaction, so 30 s of
-- idleness means the client is gone: PostgreSQL ends the session (SQLSTATE 25P03) and the proxy opens a new one.
-- A role setting applies from the next login; the migration owner created streamvibe_app (000), so it holds ADMIN
-- on it and may set it without superuser (as Aurora's master user does).
ALTER ROLE streamvibe_app SET idle_in_transaction_session_timeout = '30s';
