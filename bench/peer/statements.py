"""SQL statements per request, counted by PostgreSQL itself.

Preferred: `pg_stat_statements` (calls summed over the benchmark database), when the server
preloads it. Otherwise the statement log: `ALTER DATABASE … SET log_statement = 'all'` (new
sessions of that database only, so start the servers after it), then the server log lines of
that database written while exactly K requests ran one after another, minus the lines an idle
window of the same length wrote (background pollers), divided by K. Transaction control
(BEGIN/COMMIT) counts as a statement in both methods; each `execute` of a prepared statement
counts once."""

import os
import re
import subprocess
import time

from queries import document
from servers import log, post

REQUESTS = 40


def psql(url, sql):
    out = subprocess.run(
        ["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", url, "-c", sql],
        capture_output=True,
        text=True,
    )
    return out.returncode, out.stdout.strip(), out.stderr.strip()


class Counter:
    def __init__(self, server_url, db_url, db, pg_log):
        self.server_url, self.db_url, self.db, self.pg_log = server_url, db_url, db, pg_log
        self.method = None
        rc, _, _ = psql(db_url, "CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        if rc == 0 and psql(db_url, "SELECT count(*) FROM pg_stat_statements")[0] == 0:
            self.method = "pg_stat_statements"
        elif pg_log and os.access(pg_log, os.R_OK):
            rc, _, err = psql(server_url, f'ALTER DATABASE "{db}" SET log_statement = \'all\'')
            if rc == 0:
                self.method = f"statement log ({pg_log})"
            else:
                log(f"cannot turn the statement log on: {err}")
        if self.method is None:
            log("SQL statements per request: no method available (not counted)")

    def finish(self):
        if self.method and self.method.startswith("statement log"):
            psql(self.server_url, f'ALTER DATABASE "{self.db}" RESET log_statement')

    def _pss_total(self):
        _, out, _ = psql(
            self.db_url,
            "SELECT coalesce(sum(calls), 0) FROM pg_stat_statements s JOIN pg_database d "
            f"ON d.oid = s.dbid WHERE d.datname = '{self.db}' "
            "AND s.query NOT ILIKE '%pg_stat_statements%'",
        )
        return int(out or 0)

    def _log_lines(self, start):
        pattern = re.compile(rf"@{re.escape(self.db)} LOG:  (statement|execute [^:]*):")
        with open(self.pg_log, "rb") as f:
            f.seek(start)
            return sum(1 for line in f if pattern.search(line.decode("utf-8", "replace")))

    def per_request(self, query, server):
        """Statements per request of `query` on `server` (None when not countable)."""
        if self.method is None:
            return None
        doc, variables, _ = document(query, server)
        if self.method == "pg_stat_statements":
            before = self._pss_total()
            began = time.perf_counter()
            for _ in range(REQUESTS):
                post(server.port, doc, variables, server.token)
            spent = time.perf_counter() - began
            during = self._pss_total() - before - 1
            time.sleep(spent)
            idle = self._pss_total() - before - during - 2
            return max(during - max(idle, 0), 0) / REQUESTS
        start = os.path.getsize(self.pg_log)
        began = time.perf_counter()
        for _ in range(REQUESTS):
            post(server.port, doc, variables, server.token)
        spent = time.perf_counter() - began
        time.sleep(1.0)  # the server writes its log asynchronously
        middle = os.path.getsize(self.pg_log)
        during = self._log_lines(start)
        time.sleep(spent + 1.0)
        idle = self._log_lines(middle)
        return max(during - idle, 0) / REQUESTS
