/**
 * Verifiable encrypted backup, offline recovery, export and import of key shares
 * (verifiable-backup.md; docs/protocols/backup.md).
 *
 * The deterministic HPKE sender and the row-level proof pieces stay internal to this folder
 * (pitfall P5): only randomised HPKE and the high-level operations are exported.
 */
export {
  BACKUP_SUITES,
  HPKE_SUITES,
  HpkeError,
  hpkeSeal,
  hpkeOpen,
  hpkeGenerateKeyPair,
  hpkeDeriveKeyPair,
  hpkePublicKey,
  hpkeKeyFingerprint,
  validateHpkePublicKey,
  isBackupSuite,
  inferHpkeSuite,
  type BackupSuite,
  type HpkeKeyPair,
  type HpkeSuiteIds,
} from './hpke.js';
export { PVE_ROWS, curveIdOf, backupHeader, type BackupStatement } from './proof.js';
export {
  generateBackupKeyPair,
  backupSuiteOfPublicKey,
  backupStatement,
  createShareBackup,
  checkShareBackup,
  verifyShareBackup,
  assertShareBackup,
  assembleBackupFile,
  verifyBackupSet,
  backupRecordProblems,
  backupFileKey,
  backupFileStatement,
  shareEpoch,
  type ShareBackup,
  type BackupEntry,
  type BackupFile,
  type BackupTrust,
  type BackupCheck,
  type BackupSetReport,
  type BackupStatementOptions,
  type CreateShareBackupParams,
  type AssembleBackupFileParams,
  type VerifyBackupSetOptions,
} from './backup.js';
export { recoverFromBackups, recoverShareBackup, ed25519ExpandedKey, type RecoverOptions, type RecoveredKey, type RecoveredShareBackup } from './recover.js';
export {
  createExportZeroSharing,
  wrapShareForExport,
  assembleExportFile,
  exportFileProblems,
  unwrapExportShares,
  combineExport,
  exportCommitmentsHash,
  type ExportZeroSharing,
  type ExportRerandomization,
  type WrapShareForExportParams,
  type WrappedExportShare,
  type ExportFile,
  type AssembleExportFileParams,
  type UnwrappedExportShare,
  type CombinedExport,
} from './export.js';
export {
  splitForImport,
  acceptImportedShare,
  importContext,
  importConfirmationMessage,
  ed25519ScalarFromSeed,
  type ImportRequest,
  type SplitForImportParams,
  type AcceptImportOptions,
  type AcceptedImport,
} from './import.js';
export {
  serializeBackupSecretKey,
  parseBackupSecretKey,
  serializeShareBackup,
  parseShareBackup,
  serializeBackupFile,
  parseBackupFile,
  serializeWrappedExportShare,
  parseWrappedExportShare,
  serializeExportFile,
  parseExportFile,
  serializeImportRequest,
  parseImportRequest,
} from './formats.js';
