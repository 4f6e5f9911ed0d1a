/**
 * The HTTP load generator, in a process of its own (as wrk or a browser would be): the gateway's event loop then only
 * serves requests, and the client's work (sockets, reading the answer, its garbage) does not queue behind the
 * handlers or inflate their latencies. The parent sends a path and the limits; the child runs the same closed loop
 * as every other path (measure.ts) over node:http keep-alive and sends the measurement back.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { Agent, get as httpGet } from 'node:http';
import { measure, type LoadLimits, type Measurement } from './measure.ts';

interface Job {
  id: number;
  path: string;
  limits: LoadLimits;
}
type Reply = { id: number; measurement: Measurement } | { id: number; error: string };

/** One GET, the body read to the end; anything but 200 is a failure. */
function getter(baseUrl: string, agent: Agent) {
  return (path: string) => new Promise<void>((resolve, reject) => {
    httpGet(`${baseUrl}${path}`, { agent }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => response.statusCode === 200 ? resolve()
        : reject(new Error(`GET ${path} → ${response.statusCode} ${Buffer.concat(chunks).toString('utf8').slice(0, 200)}`)));
      response.on('error', reject);
    }).on('error', reject);
  });
}

/** The child: measures each job it is sent, one at a time. */
function serve(baseUrl: string) {
  const agents = new Map<number, Agent>();
  process.on('message', async (job: Job) => {
    let agent = agents.get(job.limits.concurrency);
    if (!agent) agents.set(job.limits.concurrency, agent = new Agent({ keepAlive: true, maxSockets: job.limits.concurrency }));
    const get = getter(baseUrl, agent);
    const reply: Reply = await measure(() => get(job.path), job.limits).then(
      (measurement) => ({ id: job.id, measurement }), (error: unknown) => ({ id: job.id, error: String(error) }));
    process.send!(reply);
  });
  process.on('disconnect', () => process.exit(0));
}

export interface HttpLoad {
  /** The load process's id (for its CPU time). */
  pid: number | undefined;
  /** GET `path` under the limits, from the load process. */
  measure(path: string, limits: LoadLimits): Promise<Measurement>;
  close(): Promise<void>;
}

/** Starts the load process for the gateway at `baseUrl`. */
export function startHttpLoad(baseUrl: string): HttpLoad {
  const child: ChildProcess = fork(new URL(import.meta.url), ['--serve', baseUrl], {
    execArgv: ['--import', 'tsx'], serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map<number, { resolve: (m: Measurement) => void; reject: (e: Error) => void }>();
  let nextId = 0;
  child.on('message', (reply: Reply) => {
    const job = pending.get(reply.id);
    pending.delete(reply.id);
    if ('error' in reply) job?.reject(new Error(`http load: ${reply.error}`));
    else job?.resolve(reply.measurement);
  });
  child.on('exit', (code) => {
    for (const job of pending.values()) job.reject(new Error(`http load process exited (${code})`));
    pending.clear();
  });
  return {
    pid: child.pid,
    measure: (path, limits) => new Promise<Measurement>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      child.send({ id, path, limits } satisfies Job);
    }),
    close: () => new Promise<void>((done) => {
      if (child.exitCode !== null) return done();
      child.once('exit', () => done());
      child.disconnect();
    }),
  };
}

if (process.argv[2] === '--serve' && process.send) serve(process.argv[3]!);
