/**
 * Everything a feature module of the node (lifecycle, backup, ECDSA, ...) may use. Created once
 * in node.ts; feature modules export `(services) => RouteModule` and are listed there.
 */
import type { ClusterFile } from '../config/cluster.js';
import type { MasterKey } from '../crypto/master-key.js';
import type { ShareStore } from '../store/types.js';
import type { KeyService } from './key-service.js';
import type { NodeMetrics } from './metrics.js';
import type { ChannelMux } from './peer-channel.js';
import type { SessionRunner } from './session-runner.js';
import type { NodeStore } from './store-port.js';

export interface NodeLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface NodeServices {
  readonly player: number;
  readonly cluster: ClusterFile;
  /** The raw store (every table). */
  readonly shareStore: ShareStore;
  /** The node-level port (applications, keys, audit). */
  readonly store: NodeStore;
  readonly masterKey: MasterKey;
  /** Runs core protocol sessions over the peer channel. */
  readonly runner: SessionRunner;
  /** The peer channel, for extra prefixed routes (RPCs between nodes). */
  readonly mux: ChannelMux;
  readonly keys: KeyService;
  readonly metrics: NodeMetrics;
  readonly log: NodeLogger;
  readonly sessionTimeoutMs: number;
  /**
   * Keys with a lifecycle run or its resolution in progress on this node (refresh, reshare): the
   * lifecycle module adds and removes them; background work on a key (presignature refill)
   * leaves a locked key alone.
   */
  readonly keyLocks: Set<string>;
}
