import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { VerdictError } from '../../core/index.js';
import type { ProofScheme } from './circuits.js';

/**
 * Reads circuits/build/manifest.json (written by circuits/build.ts): where each circuit's committed artifacts are
 * and their sha256. Paths in the manifest are relative to the repository root.
 */

export interface ArtifactFile {
  path: string;
  sha256: string;
  bytes: number;
  /** false for files the build keeps out of git (too large); they exist only after a local rebuild. */
  committed?: boolean;
}

export interface SchemeArtifacts {
  optimization: string;
  ptauPower: number;
  r1csSha256: string;
  constraints: number;
  plonkGates?: number;
  wires: number;
  privateInputs: number;
  provingKeyCommitted: boolean;
  wasm: ArtifactFile;
  zkey: ArtifactFile;
  verificationKey: ArtifactFile;
  solidity: ArtifactFile;
  transcript: string[];
}

export interface ManifestCircuit {
  id: string;
  version: number;
  source: string;
  description: string;
  publicSignals: string[];
  builds: Partial<Record<ProofScheme, SchemeArtifacts>>;
}

export interface Manifest {
  v: 1;
  warning: string;
  tools: Record<string, string>;
  beacon: { text: string; sha256: string; iterationsExp: number };
  sources: ArtifactFile[];
  ptau: { power: number; file: string; sha256: string; committed: boolean; transcript: string[] }[];
  circuits: ManifestCircuit[];
}

/** The repository root (src/verifiers/zk and dist/verifiers/zk are both three levels down). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const DEFAULT_BUILD_DIR = join(REPO_ROOT, 'circuits', 'build');

export function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

export function readManifest(buildDir = DEFAULT_BUILD_DIR): Manifest {
  const path = join(buildDir, 'manifest.json');
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new VerdictError('BAD_CONFIG', `${path}: cannot read the circuit manifest (${(e as Error).message}); run npx tsx circuits/build.ts`, { cause: e });
  }
  const m = raw as Manifest;
  if (!m || m.v !== 1 || !Array.isArray(m.circuits)) throw new VerdictError('BAD_CONFIG', `${path}: not a v1 circuit manifest`);
  return m;
}

/** Absolute path of a manifest file, relative to the root that holds `buildDir` (…/circuits/build). */
export function artifactPath(file: ArtifactFile, buildDir = DEFAULT_BUILD_DIR): string {
  return join(resolve(buildDir, '..', '..'), file.path);
}

export function schemeArtifacts(manifest: Manifest, circuit: string, version: number, scheme: ProofScheme): SchemeArtifacts | undefined {
  return manifest.circuits.find((c) => c.id === circuit && c.version === version)?.builds[scheme];
}

/** Paths of the witness generator and proving key, with the sha256 the manifest records for them. */
export function provingArtifacts(
  circuit: string,
  version: number,
  scheme: ProofScheme,
  buildDir = DEFAULT_BUILD_DIR,
): { wasm: string; zkey: string; wasmSha256: string; zkeySha256: string } {
  const a = schemeArtifacts(readManifest(buildDir), circuit, version, scheme);
  if (!a) throw new VerdictError('NOT_FOUND', `no ${scheme} build of circuit ${circuit} v${version} in the manifest`);
  const wasm = artifactPath(a.wasm, buildDir);
  const zkey = artifactPath(a.zkey, buildDir);
  for (const [file, rec] of [[wasm, a.wasm], [zkey, a.zkey]] as const) {
    if (!existsSync(file)) {
      throw new VerdictError('NOT_FOUND', `${file} is missing${rec.committed === false ? ` (not committed: run npx tsx circuits/build.ts --only ${circuit} --scheme ${scheme})` : ''}`);
    }
  }
  return { wasm, zkey, wasmSha256: a.wasm.sha256, zkeySha256: a.zkey.sha256 };
}
