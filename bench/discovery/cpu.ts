/**
 * CPU time per request, by process, beside the latencies: it says where a path's extra latency comes from (closed-loop
 * clients on two cores: q/s ≈ cores / CPU per request once they are busy), and on a small shared machine it swings less
 * from run to run than latency does.
 *
 * Read from /proc (Linux): a process's utime + stime, in clock ticks (10 ms), so windows of a second or more are needed
 * for a few percent; elsewhere every reading is undefined and the reports leave the table out.
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { Sql } from 'postgres';

const TICKS_PER_SECOND = 100; // USER_HZ: what /proc/<pid>/stat counts in, on every Linux platform Node supports

interface Stat {
  ppid: number;
  /** utime + stime: its own CPU. */
  own: number;
  /** cutime + cstime: its children's, once it has reaped them. */
  reaped: number;
}

/** Fields after the command name, which may hold spaces and parentheses: state, ppid, … (proc(5)). */
function readStat(pid: number | string): Stat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined; // gone, or not Linux
  }
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { ppid: Number(f[1]), own: Number(f[11]) + Number(f[12]), reaped: Number(f[13]) + Number(f[14]) };
}

/** CPU µs used so far by one process (all its threads). */
export function processCpuUs(pid: number): number | undefined {
  const stat = readStat(pid);
  return stat && (stat.own * 1e6) / TICKS_PER_SECOND;
}

/**
 * CPU µs used so far by a server process and its children (PostgreSQL's postmaster and its backends): the live ones,
 * and those it has reaped. A child that exits between two readings loses what it used since the first.
 */
export function processTreeCpuUs(rootPid: number): number | undefined {
  const root = readStat(rootPid);
  if (!root) return undefined;
  let ticks = root.own + root.reaped;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(entry);
    if (stat?.ppid === rootPid) ticks += stat.own;
  }
  return (ticks * 1e6) / TICKS_PER_SECOND;
}

/**
 * The postmaster of the server `sql` is connected to, when it runs on this machine: the parent of this connection's
 * backend, if that is a PostgreSQL process here (a remote server's backend id names no such process).
 */
export async function localPostmasterPid(sql: Sql): Promise<number | undefined> {
  const [row] = await sql<{ pid: number }[]>`SELECT pg_backend_pid() AS pid`;
  const pid = row!.pid;
  const ppid = readStat(pid)?.ppid;
  const comm = (id: number) => { try { return readFileSync(`/proc/${id}/comm`, 'utf8').trim(); } catch { return ''; } };
  return ppid && comm(pid) === 'postgres' && comm(ppid) === 'postgres' ? ppid : undefined;
}

/** CPU µs per request of one measured path, by process; a process not measured (not Linux, not this path) is absent. */
export interface CpuPerRequest {
  /** The bench process: for the gateway path the local stack (gateway and Lambda handlers), for raw SQL its client. */
  benchUs?: number;
  /** The HTTP load process (gateway path only). */
  loadUs?: number;
  postgresUs?: number;
}

/** Where CPU is read from: the load process and PostgreSQL's postmaster, when known. */
export interface CpuSources {
  loadPid?: number;
  postgresPid?: number;
}

/** Starts a reading of this process and every source; `perRequest(n)` is what each used since, divided over `n` requests. */
export function startCpuReading(sources: CpuSources): { perRequest(requests: number): CpuPerRequest } {
  const own = process.cpuUsage();
  const load = sources.loadPid ? processCpuUs(sources.loadPid) : undefined;
  const postgres = sources.postgresPid ? processTreeCpuUs(sources.postgresPid) : undefined;
  return {
    perRequest(requests) {
      const used = process.cpuUsage(own);
      const loadNow = load === undefined ? undefined : processCpuUs(sources.loadPid!);
      const postgresNow = postgres === undefined ? undefined : processTreeCpuUs(sources.postgresPid!);
      const per = (us: number | undefined) => (us === undefined || requests === 0 ? undefined : us / requests);
      return {
        benchUs: per(used.user + used.system),
        loadUs: per(loadNow === undefined ? undefined : loadNow - load!),
        postgresUs: per(postgresNow === undefined ? undefined : postgresNow - postgres!),
      };
    },
  };
}

/** Sums several rounds' readings, each weighted by its requests. */
export function mergeCpu(rounds: { cpu: CpuPerRequest; requests: number }[]): CpuPerRequest {
  const total = rounds.reduce((n, r) => n + r.requests, 0);
  const key = (k: keyof CpuPerRequest) =>
    rounds.every((r) => r.cpu[k] !== undefined) && total > 0 ? rounds.reduce((s, r) => s + r.cpu[k]! * r.requests, 0) / total : undefined;
  return { benchUs: key('benchUs'), loadUs: key('loadUs'), postgresUs: key('postgresUs') };
}
