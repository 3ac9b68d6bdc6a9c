/**
 * Backup, offline recovery, export and import in the cluster: `backupModule(services, config)` is
 * the RouteModule registered in node.ts (docs/operations.md, "Backup, recovery, export and import").
 */
import type { RouteModule } from '../app.js';
import type { NodeServices } from '../services.js';
import { backupRoutes } from './routes.js';
import { BackupService } from './service.js';

export { BackupService, type BackupResult, type ExportShareResult, type ImportResult, type RecipientInfo, type ExportPolicyInfo } from './service.js';
export { generateNodeHpkeKey, loadNodeHpkeKey, parseNodeHpkeKey, writeNodeHpkeKey, type NodeHpkeKey } from './node-key.js';

export function backupModule(services: NodeServices, config: { readonly hpkeKeyFile?: string | undefined }): RouteModule {
  return backupRoutes(new BackupService(services, { hpkeKeyFile: config.hpkeKeyFile }));
}
