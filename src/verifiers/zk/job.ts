import type { Job } from '../../core/index.js';
import type { CircuitDef } from './circuits.js';
import { fieldToHex } from './field.js';
import { checkInt8Vector, inputCommitment } from './model.js';
import { ZK_JOB_TYPE } from './verifier.js';

export interface MakeZkJobParams {
  id: string;
  provider: string;
  circuit: CircuitDef;
  /** The Poseidon commitment of the model the creator accepts (modelCommitment() of it). */
  modelCommitment: bigint;
  /** The int8 input; it travels in spec.input, and job.inputCommitment commits to it. */
  input: number[];
  /** Salt of the input commitment (a field element); 0 when absent. */
  inputSalt?: bigint;
  creator?: string;
  createdAt?: number;
  type?: string;
}

/** A zk-inference job as a job creator publishes it (docs/formats.md, "## ZK", zk-job v1). */
export function makeZkJob(p: MakeZkJobParams): Job {
  checkInt8Vector(p.input, p.circuit.layers[0]!.nIn, 'input');
  const salt = p.inputSalt ?? 0n;
  const job: Job = {
    v: 1,
    id: p.id,
    type: p.type ?? ZK_JOB_TYPE,
    provider: p.provider,
    spec: {
      circuit: p.circuit.id,
      circuitVersion: p.circuit.version,
      modelCommitment: fieldToHex(p.modelCommitment),
      input: [...p.input],
      inputSalt: fieldToHex(salt),
    },
    inputCommitment: fieldToHex(inputCommitment(p.input, salt)),
  };
  if (p.creator !== undefined) job.creator = p.creator;
  if (p.createdAt !== undefined) job.createdAt = p.createdAt;
  return job;
}
