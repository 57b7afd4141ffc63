/**
 * Provider side of zk-inference jobs: runs the quantised model on the job's input, proves it with the circuit the
 * job names, and returns the claim and the 'zk' evidence item (docs/formats.md, "## ZK").
 */
import {
  VerdictError,
  systemClock,
  type Claim,
  type Clock,
  type Job,
} from '../core/index.js';
import {
  DEFAULT_BUILD_DIR,
  SnarkBackend,
  fieldToHex,
  findCircuit,
  parseZkJobSpec,
  provingArtifacts,
  sha256File,
  witnessInput,
  type ProofScheme,
  type QuantModel,
  type ZkEvidence,
  type ZkStatement,
} from '../verifiers/zk/index.js';

export interface ZkProveRequest {
  job: Job;
  model: QuantModel;
  /** The int8 input the job creator committed to. */
  input: number[];
  /** The salt of the input commitment (given by the job creator with the input); 0 when absent. */
  inputSalt?: bigint;
  scheme?: ProofScheme;
}

export interface ZkProofBundle {
  claim: Claim;
  /** The evidence item for verifier 'zk' (EvidenceBundle.items.zk). */
  evidence: ZkEvidence;
  output: number[];
  statement: ZkStatement;
  /** Witness generation and proving time. */
  proveMs: number;
}

export interface ZkProverOptions {
  backend?: SnarkBackend;
  buildDir?: string;
  clock?: Clock;
}

export class ZkProver {
  private readonly backend: SnarkBackend;
  private readonly buildDir: string;
  private readonly clock: Clock;
  /** Artifacts whose sha256 has been checked against the manifest (once per prover). */
  private readonly checked = new Set<string>();

  constructor(options: ZkProverOptions = {}) {
    this.backend = options.backend ?? new SnarkBackend();
    this.buildDir = options.buildDir ?? DEFAULT_BUILD_DIR;
    this.clock = options.clock ?? systemClock;
  }

  private artifacts(circuit: string, version: number, scheme: ProofScheme): { wasm: string; zkey: string } {
    const a = provingArtifacts(circuit, version, scheme, this.buildDir);
    for (const [path, want] of [[a.wasm, a.wasmSha256], [a.zkey, a.zkeySha256]] as const) {
      if (this.checked.has(path)) continue;
      const got = sha256File(path);
      if (got !== want) throw new VerdictError('BAD_CONFIG', `${path}: sha256 ${got} differs from the manifest's ${want}`);
      this.checked.add(path);
    }
    return a;
  }

  /**
   * Proves the job. Refuses (BAD_INPUT) a model or input that does not match the job's commitments: the proof
   * would not verify, and a provider should learn that before spending the proving time.
   */
  async prove(req: ZkProveRequest): Promise<ZkProofBundle> {
    const spec = parseZkJobSpec(req.job);
    const def = findCircuit(spec.circuit, spec.circuitVersion);
    if (!def) throw new VerdictError('UNSUPPORTED', `unknown circuit ${spec.circuit} v${spec.circuitVersion}`);
    const scheme = req.scheme ?? 'groth16';
    const { input, statement, output } = witnessInput(def, req.model, req.job.id, req.input, req.inputSalt ?? 0n);
    if (statement.modelCommitment !== spec.modelCommitment) {
      throw new VerdictError('BAD_INPUT', `job ${req.job.id}: the model does not match the job's model commitment`);
    }
    if (statement.inputCommitment !== spec.inputCommitment) {
      throw new VerdictError('BAD_INPUT', `job ${req.job.id}: the input (and salt) do not match the job's input commitment`);
    }
    const { wasm, zkey } = this.artifacts(def.id, def.version, scheme);
    const started = performance.now();
    const { proof, publicSignals } = await this.backend.prove(scheme, input, wasm, zkey);
    const proveMs = performance.now() - started;
    const outputCommitment = fieldToHex(statement.outputCommitment);
    return {
      claim: { v: 1, jobId: req.job.id, provider: req.job.provider, outputCommitment, completedAt: this.clock.now() },
      evidence: { v: 1, scheme, circuit: def.id, circuitVersion: def.version, proof, publicSignals, output },
      output,
      statement,
      proveMs,
    };
  }

  async dispose(): Promise<void> {
    await this.backend.dispose();
  }
}
