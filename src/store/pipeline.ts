import pg from 'pg';

/**
 * A few shared PostgreSQL connections in pipeline mode, for statements outside transactions.
 *
 * Why: each request is one short read, and with one connection per query PostgreSQL's backend went to
 * sleep after every answer; waking it (and our process writing to it) was a fifth of the server's CPU.
 * Pipelined, queries from concurrent requests queue on a connection the backend keeps reading, and
 * answers arrive together (bench A/B: results by item 2,010 -> 2,930 req/s).
 *
 * The cost of pipelining is head-of-line blocking: an answer waits for every query sent before it on
 * its connection. So a statement goes to the least busy connection whose oldest query is younger than
 * CLOGGED_MS; when every one is older (a slow query at its head) or down, to a pooled connection of its
 * own instead, as every statement did before. A connection that fails is replaced in the background;
 * meanwhile the pool serves. Each statement carries its own Sync, so an error fails that one only.
 */
const CLOGGED_MS = 10;
const RECONNECT_MS = 1000;

type Query = { name?: string; text: string; values?: unknown[]; rowMode?: 'array' };

class PipelinedConnection {
  /** Start times of the queries sent and not answered yet, oldest first (answers come in order). */
  private readonly inFlight: number[] = [];
  /** Connected or connecting (pg queues what is sent meanwhile, and fails it if connecting fails). */
  private client: pg.Client | undefined;
  /** The client once its connection is established. */
  private ready: pg.Client | undefined;
  private lastAttempt = -Infinity;

  constructor(private readonly url: string) {}

  /**
   * Whether a new query may go here: connected (not still connecting: a query queued on a connection
   * that then fails gets only "Connection terminated unexpectedly", where the pool's own attempt names
   * the cause, a wrong password say), and no query at its head older than CLOGGED_MS.
   */
  usable(now: number): boolean {
    if (!this.open) this.connect(now);
    return this.connected && (this.inFlight.length === 0 || now - this.inFlight[0]! < CLOGGED_MS);
  }

  get load(): number {
    return this.inFlight.length;
  }

  /** Connected, or connecting. */
  get open(): boolean {
    return this.client !== undefined;
  }

  /** Connected, so taking queries. */
  get connected(): boolean {
    return this.client !== undefined && this.client === this.ready;
  }

  async query(q: Query): Promise<pg.QueryResult> {
    this.inFlight.push(performance.now());
    try {
      return await this.client!.query(q);
    } finally {
      this.inFlight.shift();
    }
  }

  /** At most once per RECONNECT_MS, so that a database that is down costs the pool's path nothing more. */
  private connect(now: number): void {
    if (now - this.lastAttempt < RECONNECT_MS) return;
    this.lastAttempt = now;
    const client = new pg.Client({ connectionString: this.url, pipeline: true, connectionTimeoutMillis: 5000 } as pg.ClientConfig);
    this.client = client;
    const down = () => {
      if (this.client === client) this.client = undefined;
    };
    // A lost connection fails its in-flight queries (pg rejects them); later ones go elsewhere.
    client.on('error', down);
    client.on('end', down);
    client.connect().then(() => void (this.ready = client), down);
  }

  async end(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.lastAttempt = Infinity;
    await client?.end().catch(() => {});
  }
}

export class Pipelines {
  private readonly connections: PipelinedConnection[];

  constructor(url: string, count: number) {
    this.connections = Array.from({ length: count }, () => new PipelinedConnection(url));
  }

  /** The connection a statement outside a transaction should use, or undefined for a pooled one. */
  pick(): PipelinedConnection | undefined {
    const now = performance.now();
    let best: PipelinedConnection | undefined;
    for (const c of this.connections) if (c.usable(now) && (!best || c.load < best.load)) best = c;
    return best;
  }

  /** Open (or opening) connections, those connected, and the queries sent on them and not answered yet. */
  stats(): { open: number; ready: number; inFlight: number } {
    return {
      open: this.connections.filter((c) => c.open).length,
      ready: this.connections.filter((c) => c.connected).length,
      inFlight: this.connections.reduce((n, c) => n + c.load, 0),
    };
  }

  end(): Promise<void> {
    return Promise.all(this.connections.map((c) => c.end())).then(() => {});
  }
}

export type { PipelinedConnection };
