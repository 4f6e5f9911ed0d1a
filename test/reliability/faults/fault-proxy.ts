import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** `up`: requests pass through; `down`: the endpoint is unreachable (connections reset); `failing`: it answers `failure`. */
export type ProxyMode = 'up' | 'down' | 'failing';

/**
 * An HTTP proxy in front of a dependency (the SQS endpoint, Secrets Manager, a provider's sandbox) that a test turns
 * off and on: `down` resets every open connection and each new one, as an unreachable endpoint looks to a client;
 * `failing` answers every request with an error status, as a provider having an outage does. `target` may be set
 * after the proxy started (the sandbox's port is known only once the stack runs).
 */
export class FaultProxy {
  url = '';
  /** What a `failing` endpoint answers. */
  failure = { status: 500, body: { error: { code: 500, message: 'Internal error (injected outage)', status: 'INTERNAL' } } as unknown };
  /** Requests seen, by what happened to them. */
  readonly counts = { passed: 0, refused: 0, failed: 0 };
  /** Called for each request that passed, with its path, once its answer came back (a test may change the mode there). */
  onPassed?: (path: string) => void;
  private current: ProxyMode = 'up';
  private readonly sockets = new Set<Socket>();
  private readonly server: Server;

  private constructor(public target: string | undefined) {
    this.server = createServer((req, res) => this.handle(req, res));
    this.server.on('connection', (socket) => {
      if (this.current === 'down') {
        this.counts.refused += 1;
        socket.destroy();
        return;
      }
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  static async start(target?: string): Promise<FaultProxy> {
    const proxy = new FaultProxy(target);
    await new Promise<void>((ready) => proxy.server.listen(0, '127.0.0.1', ready));
    proxy.url = `http://127.0.0.1:${(proxy.server.address() as AddressInfo).port}`;
    return proxy;
  }

  get mode(): ProxyMode {
    return this.current;
  }

  /** Going down also cuts the connections clients keep alive: nothing gets through until it is up again. */
  set mode(next: ProxyMode) {
    this.current = next;
    if (next === 'down') for (const socket of this.sockets) socket.destroy();
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((done) => this.server.close(() => done()));
  }

  private handle(req: IncomingMessage, res: ServerResponse) {
    if (this.current === 'down') {
      this.counts.refused += 1;
      req.socket.destroy();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (this.current === 'failing') {
        this.counts.failed += 1;
        res.writeHead(this.failure.status, { 'content-type': 'application/json' }).end(JSON.stringify(this.failure.body));
        return;
      }
      const url = new URL(req.url ?? '/', this.target);
      // The Host header stays the proxy's: services that build URLs from it (SQS queue URLs) then name the proxy.
      const upstream = httpRequest(url, { method: req.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
        answer.on('end', () => {
          this.counts.passed += 1;
          this.onPassed?.(url.pathname);
        });
      });
      upstream.on('error', () => req.socket.destroy());
      upstream.end(Buffer.concat(chunks));
    });
  }
}
