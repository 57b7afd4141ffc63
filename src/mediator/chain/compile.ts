/**
 * Compiles the project's Solidity in-process with solc-js (hardhat/foundry cannot download compilers here) and
 * reads/writes the committed artifacts in contracts/artifacts/. OpenZeppelin imports resolve from node_modules
 * through solc's import callback. No ethers here: this file is also used by build scripts.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { VerdictError } from '../../core/errors.js';
import type { Hex } from '../../core/bytes.js';

/** Repository root: this file lives in src/mediator/chain (or dist/mediator/chain). */
export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const CONTRACTS_DIR = join(PACKAGE_ROOT, 'contracts');
export const ARTIFACTS_DIR = join(CONTRACTS_DIR, 'artifacts');

/** Compiler settings, part of every artifact so a rebuild is reproducible. */
export const SOLC_SETTINGS = {
  optimizer: { enabled: true, runs: 10_000 },
  evmVersion: 'cancun',
  viaIR: false,
} as const;

export interface Artifact {
  format: 'verdict-artifact';
  v: 1;
  contractName: string;
  sourceName: string;
  abi: unknown[];
  bytecode: Hex;
  deployedBytecode: Hex;
  compiler: { version: string; settings: typeof SOLC_SETTINGS };
  /** sha256 over the sorted (name, keccak256) pairs of the sources this contract was built from (solc metadata). */
  sourcesHash: Hex;
}

interface SolcOutput {
  errors?: { severity: string; formattedMessage: string; type: string }[];
  contracts?: Record<
    string,
    Record<string, { abi: unknown[]; metadata: string; evm: { bytecode: { object: string }; deployedBytecode: { object: string } } }>
  >;
}

interface Solc {
  version(): string;
  compile(input: string, callbacks?: { import: (path: string) => { contents: string } | { error: string } }): string;
}

let solcCache: Solc | undefined;
function loadSolc(): Solc {
  // solc-js is a 9 MB asm.js blob: load it only when something is compiled.
  solcCache ??= createRequire(import.meta.url)('solc') as Solc;
  return solcCache;
}

/** Every .sol file under contracts/, as solc source unit names relative to it (POSIX separators). */
export function listSources(dir = CONTRACTS_DIR): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const full = join(d, name);
      if (statSync(full).isDirectory()) {
        if (name !== 'artifacts' && name !== 'node_modules') walk(full);
      } else if (name.endsWith('.sol')) {
        out.push(relative(dir, full).split(sep).join('/'));
      }
    }
  };
  walk(dir);
  return out;
}

function resolveImport(path: string, contractsDir: string): string {
  if (path.startsWith('@openzeppelin/')) {
    const require = createRequire(join(PACKAGE_ROOT, 'package.json'));
    const pkgJson = require.resolve('@openzeppelin/contracts/package.json');
    return join(dirname(pkgJson), path.slice('@openzeppelin/contracts/'.length));
  }
  const full = resolve(contractsDir, path);
  if (!full.startsWith(contractsDir + sep)) throw new Error(`import outside contracts/: ${path}`);
  return full;
}

export interface CompileResult {
  artifacts: Record<string, Artifact>;
  warnings: string[];
  ms: number;
}

/**
 * Compiles every source under contracts/ (or the given source unit names). Throws BAD_INPUT with the compiler's
 * messages on any error.
 */
export function compileContracts(options: { contractsDir?: string; sources?: string[] } = {}): CompileResult {
  const started = performance.now();
  const contractsDir = options.contractsDir ?? CONTRACTS_DIR;
  const names = options.sources ?? listSources(contractsDir);
  const sources: Record<string, { content: string }> = {};
  for (const name of names) sources[name] = { content: readFileSync(join(contractsDir, name), 'utf8') };
  const input = {
    language: 'Solidity',
    sources,
    settings: {
      ...SOLC_SETTINGS,
      outputSelection: { '*': { '*': ['abi', 'metadata', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } },
    },
  };
  const solc = loadSolc();
  const raw = solc.compile(JSON.stringify(input), {
    import: (path: string) => {
      try {
        return { contents: readFileSync(resolveImport(path, contractsDir), 'utf8') };
      } catch (e) {
        return { error: `cannot read ${path}: ${(e as Error).message}` };
      }
    },
  });
  const output = JSON.parse(raw) as SolcOutput;
  const errors = (output.errors ?? []).filter((e) => e.severity === 'error');
  if (errors.length > 0) {
    throw new VerdictError('BAD_INPUT', `solc: ${errors.map((e) => e.formattedMessage).join('\n')}`, {
      details: { errors: errors.map((e) => e.formattedMessage) },
    });
  }
  const warnings = (output.errors ?? []).filter((e) => e.severity !== 'error').map((e) => e.formattedMessage);
  const artifacts: Record<string, Artifact> = {};
  for (const sourceName of names) {
    for (const [contractName, c] of Object.entries(output.contracts?.[sourceName] ?? {})) {
      // interfaces, abstract contracts and type-only libraries have nothing to deploy or call
      if (c.evm.bytecode.object.length === 0 || c.abi.length === 0) continue;
      if (artifacts[contractName]) throw new VerdictError('DUPLICATE', `two contracts named ${contractName}`);
      artifacts[contractName] = {
        format: 'verdict-artifact',
        v: 1,
        contractName,
        sourceName,
        abi: c.abi,
        bytecode: `0x${c.evm.bytecode.object}`,
        deployedBytecode: `0x${c.evm.deployedBytecode.object}`,
        compiler: { version: solc.version(), settings: SOLC_SETTINGS },
        sourcesHash: sourcesHashOf(c.metadata),
      };
    }
  }
  return { artifacts, warnings, ms: performance.now() - started };
}

function sourcesHashOf(metadata: string): Hex {
  const meta = JSON.parse(metadata) as { sources: Record<string, { keccak256: string }> };
  const hash = createHash('sha256');
  for (const name of Object.keys(meta.sources).sort()) hash.update(`${name}\0${meta.sources[name]!.keccak256}\0`);
  return `0x${hash.digest('hex')}`;
}

export function writeArtifacts(artifacts: Record<string, Artifact>, dir = ARTIFACTS_DIR): string[] {
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  for (const a of Object.values(artifacts)) {
    const file = join(dir, `${a.contractName}.json`);
    writeFileSync(file, `${JSON.stringify(a, null, 2)}\n`);
    written.push(file);
  }
  return written;
}

const artifactCache = new Map<string, Artifact>();

/** Loads a committed artifact (contracts/artifacts/<name>.json). Throws NOT_FOUND with the command that builds it. */
export function loadArtifact(contractName: string, dir = ARTIFACTS_DIR): Artifact {
  const key = join(dir, contractName);
  const cached = artifactCache.get(key);
  if (cached) return cached;
  const file = join(dir, `${contractName}.json`);
  if (!existsSync(file)) {
    throw new VerdictError('NOT_FOUND', `no artifact for ${contractName}: run \`npx tsx src/mediator/chain/build.ts\``, {
      details: { file },
    });
  }
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as Artifact;
  if (parsed.format !== 'verdict-artifact' || parsed.v !== 1 || !Array.isArray(parsed.abi)) {
    throw new VerdictError('BAD_CONFIG', `${file} is not a verdict artifact`);
  }
  artifactCache.set(key, parsed);
  return parsed;
}
