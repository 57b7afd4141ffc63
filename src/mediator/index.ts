/**
 * verdict/mediator: the dispute engine and its daemon, persistence, evidence and verdict bundles, and the chain
 * adapters (VerdictMediation on ethers v6, Lilypad's mediation protocol). Operators usually run the daemon
 * through `verdict mediator start` (docs/operator.md); this is the same thing as a library.
 */
export { DisputeEngine, type EngineMetrics, type EngineOptions, type ProbePoint } from './engine.js';
export { startMediatorDaemon, type DaemonOptions, type MediatorDaemon } from './daemon.js';
export { MediatorStore, SCHEMA_VERSION, type DisputeRow, type OpenStoreOptions, type PostRow, type VerdictRow } from './store.js';
export { DEFAULT_MAX_EVIDENCE_BYTES, DirectoryEvidenceSource, EvidenceStore, type StoredObject } from './evidence-store.js';
export {
  DISPUTE_EVIDENCE_FORMAT,
  VERDICT_BUNDLE_FORMAT,
  deriveSeed,
  evidenceContentId,
  makeDisputeEvidence,
  parseDisputeEvidence,
  parseVerdictBundle,
  verifyVerdictBundle,
  type BundleCheck,
  type BundleReport,
  type ChainContext,
  type DisputeEvidence,
  type VerdictBundle,
  type VerifyBundleOptions,
} from './bundle.js';
export * from './ports.js';
export { scorerReputation, type ScorerReputationOptions } from './reputation.js';
export { MemoryChain, MemoryChainPort, type MemoryChainOptions } from './memory-chain.js';
export { MediatorMetrics } from './metrics.js';
export { DISPUTE_STATES, TERMINAL_STATES, type DisputeState } from './states.js';
export { connectChainPort, EthersChainPort, DEFAULT_VERDICT_GAS, type ChainPortOptions } from './chain/adapter.js';
export { DEFAULT_MEDIATION_CONFIG, MediationClient, deployMediation, type MediationConfig } from './chain/contract.js';
export { generatePrivateKey, loadKeyFile, writeKeyFile, parsePrivateKey, type LoadedKey } from './chain/keyfile.js';
export { DisputeWatcher, type WatcherOptions } from './chain/watcher.js';
export { connectLilypad, LilypadChainPort, type InconclusivePolicy, type LilypadPortOptions } from './lilypad/adapter.js';
