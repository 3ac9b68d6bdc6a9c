/**
 * Refresh, reshare and derivation in the cluster: `lifecycleModule(services)` is the RouteModule
 * registered in node.ts (routes, peer-channel RPCs under 'rpc:lifecycle:', startup recovery).
 */
import type { RouteModule } from '../app.js';
import type { NodeServices } from '../services.js';
import { lifecycleRoutes } from './routes.js';
import { LifecycleService } from './service.js';

export function lifecycleModule(services: NodeServices): RouteModule {
  return lifecycleRoutes(new LifecycleService(services), services);
}
