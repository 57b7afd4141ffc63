import { readFileSync } from 'node:fs';
import { VerdictError, hashCanonical, type Hex, type JsonValue } from '../../core/index.js';
import { PUBLIC_SIGNALS, type ProofScheme } from './circuits.js';
import { DEFAULT_BUILD_DIR, artifactPath, readManifest, sha256File } from './artifacts.js';
import { parseVerificationKey, type VerificationKey } from './proof.js';

export interface ZkKey {
  jobType: string;
  circuit: string;
  version: number;
  scheme: ProofScheme;
  key: VerificationKey;
  /** sha256 of the canonical JSON of the verification key: names the key in findings and verdicts. */
  keyHash: Hex;
}

export interface RegisterKey {
  jobType: string;
  circuit: string;
  version: number;
  scheme: ProofScheme;
  /** snarkjs verification_key.json content; validated here (BAD_CONFIG when broken). */
  verificationKey: unknown;
}

const keyOf = (jobType: string, circuit: string, version: number, scheme: ProofScheme) => `${jobType}\u0000${circuit}\u0000${version}\u0000${scheme}`;

/**
 * Verification keys a mediator accepts, per job type, circuit, circuit version and proof scheme. An instance, not a
 * global: a network chooses which circuits (and so which trusted setups) each job type may use.
 */
export class ZkKeyRegistry {
  private readonly keys = new Map<string, ZkKey>();

  register(entry: RegisterKey): ZkKey {
    const id = keyOf(entry.jobType, entry.circuit, entry.version, entry.scheme);
    if (this.keys.has(id)) {
      throw new VerdictError('DUPLICATE', `a ${entry.scheme} key for ${entry.jobType}/${entry.circuit} v${entry.version} is already registered`);
    }
    const key = parseVerificationKey(entry.verificationKey, `${entry.circuit} v${entry.version} ${entry.scheme} key`);
    if (key.protocol !== entry.scheme) throw new VerdictError('BAD_CONFIG', `${entry.circuit} v${entry.version}: the key is a ${key.protocol} key, registered as ${entry.scheme}`);
    if (key.nPublic !== PUBLIC_SIGNALS.length) {
      throw new VerdictError('BAD_CONFIG', `${entry.circuit} v${entry.version}: the key has ${key.nPublic} public signals, model circuits have ${PUBLIC_SIGNALS.length}`);
    }
    const zk: ZkKey = {
      jobType: entry.jobType,
      circuit: entry.circuit,
      version: entry.version,
      scheme: entry.scheme,
      key,
      keyHash: hashCanonical(key.json as JsonValue),
    };
    this.keys.set(id, zk);
    return zk;
  }

  get(jobType: string, circuit: string, version: number, scheme: ProofScheme): ZkKey | undefined {
    return this.keys.get(keyOf(jobType, circuit, version, scheme));
  }

  /** Schemes with a key for this circuit version (to tell "unknown circuit" from "scheme not accepted"). */
  schemes(jobType: string, circuit: string, version: number): ProofScheme[] {
    return (['groth16', 'plonk'] as const).filter((s) => this.keys.has(keyOf(jobType, circuit, version, s)));
  }

  list(): ZkKey[] {
    return [...this.keys.values()];
  }

  /**
   * Registers every verification key of circuits/build/manifest.json for `jobType`, after checking each file
   * against the sha256 the manifest records (a corrupted or swapped key is BAD_CONFIG).
   */
  static fromManifest(jobType = 'zk-inference', buildDir = DEFAULT_BUILD_DIR): ZkKeyRegistry {
    const registry = new ZkKeyRegistry();
    for (const c of readManifest(buildDir).circuits) {
      for (const [scheme, build] of Object.entries(c.builds) as [ProofScheme, NonNullable<(typeof c.builds)[ProofScheme]>][]) {
        const path = artifactPath(build.verificationKey, buildDir);
        let hash: string;
        try {
          hash = sha256File(path);
        } catch (e) {
          throw new VerdictError('BAD_CONFIG', `${path}: cannot read the verification key (${(e as Error).message})`, { cause: e });
        }
        if (hash !== build.verificationKey.sha256) throw new VerdictError('BAD_CONFIG', `${path}: sha256 ${hash} differs from the manifest's ${build.verificationKey.sha256}`);
        registry.register({ jobType, circuit: c.id, version: c.version, scheme, verificationKey: JSON.parse(readFileSync(path, 'utf8')) });
      }
    }
    return registry;
  }
}
