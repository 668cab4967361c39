#!/usr/bin/env bash
# Starts what the tests need, idempotently: PostgreSQL 15 with a password login role `resultsdb`
# (the default of RESULTSDB_TEST_PG_URL). Safe to run again and again.
set -euo pipefail

PG_ROLE=${PG_ROLE:-resultsdb}
PG_PASSWORD=${PG_PASSWORD:-resultsdb}

if ! command -v pg_ctlcluster >/dev/null 2>&1; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi

if ! pg_lsclusters -h 2>/dev/null | awk '$1 == "15" && $2 == "main"' | grep -q online; then
  pg_ctlcluster 15 main start
fi

for _ in $(seq 1 30); do
  su postgres -c "pg_isready -q" && break
  sleep 1
done

# CREATEDB: the tests make a fresh database per run and drop it afterwards.
su postgres -c "psql -v ON_ERROR_STOP=1 -q" <<SQL
DO \$\$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${PG_ROLE}') THEN
    CREATE ROLE ${PG_ROLE} LOGIN CREATEDB PASSWORD '${PG_PASSWORD}';
  ELSE
    ALTER ROLE ${PG_ROLE} LOGIN CREATEDB PASSWORD '${PG_PASSWORD}';
  END IF;
END
\$\$;
SQL
echo "services: PostgreSQL 15 up, role ${PG_ROLE} ready"
