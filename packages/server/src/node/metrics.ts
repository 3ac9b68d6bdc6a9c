/**
 * Prometheus metrics of a node (served at /metrics). Labels never carry key material, message
 * contents or application secrets: only protocol names, result codes and route templates.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export class NodeMetrics {
  readonly registry = new Registry();
  readonly sessions = new Counter({
    name: 'tsm_sessions_total',
    help: 'Protocol sessions run by this node, by protocol and result',
    labelNames: ['protocol', 'result'] as const,
    registers: [this.registry],
  });
  readonly sessionDuration = new Histogram({
    name: 'tsm_session_duration_seconds',
    help: 'Duration of protocol sessions',
    labelNames: ['protocol'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly activeSessions = new Gauge({
    name: 'tsm_active_sessions',
    help: 'Protocol sessions currently running',
    registers: [this.registry],
  });
  readonly httpRequests = new Counter({
    name: 'tsm_http_requests_total',
    help: 'Client API requests by route and status',
    labelNames: ['route', 'status'] as const,
    registers: [this.registry],
  });
  readonly httpDuration = new Histogram({
    name: 'tsm_http_request_duration_seconds',
    help: 'Client API request latency by route',
    labelNames: ['route'] as const,
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly errors = new Counter({
    name: 'tsm_errors_total',
    help: 'Errors by stable error code',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });
  readonly presignatures = new Counter({
    name: 'tsm_presignatures_total',
    help: 'Honest-majority ECDSA presignatures: made for the pool (made), signed from the pool (pool), or made inline because the pool was empty (inline)',
    labelNames: ['use'] as const,
    registers: [this.registry],
  });
  readonly signBatchItems = new Histogram({
    name: 'tsm_sign_batch_items',
    help: 'Honest-majority ECDSA: requests signed together in one batch (concurrent requests of one key and player set)',
    buckets: [1, 2, 4, 8, 16, 32, 64],
    registers: [this.registry],
  });
  readonly peersUp = new Gauge({
    name: 'tsm_peers_up',
    help: 'Peers whose channel is connected',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'tsm_process_' });
  }
}

/** Run one protocol session `f`, recording its duration, result and the active-session gauge. */
export async function timedSession<T>(metrics: NodeMetrics, protocol: string, f: () => Promise<T>, failureCode: (e: unknown) => string): Promise<T> {
  const end = metrics.sessionDuration.startTimer({ protocol });
  metrics.activeSessions.inc();
  try {
    const r = await f();
    metrics.sessions.inc({ protocol, result: 'ok' });
    return r;
  } catch (e) {
    metrics.sessions.inc({ protocol, result: failureCode(e) });
    throw e;
  } finally {
    metrics.activeSessions.dec();
    end();
  }
}
