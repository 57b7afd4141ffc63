import { readFileSync, readdirSync } from 'node:fs';
import { extname, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { VerdictError, hashCanonical, parseJson, parseWith, type Hex } from '../core/index.js';
import { policySchema, type Policy } from './schema.js';

const MAX_POLICY_BYTES = 1024 * 1024;

/** Validates a policy object; errors name `source`, the field and what was expected (code BAD_CONFIG). */
export function parsePolicy(raw: unknown, source = 'policy'): Policy {
  return parseWith(policySchema, raw, { source, code: 'BAD_CONFIG' });
}

/** Parses policy text as YAML (a superset of JSON) or JSON. */
export function parsePolicyText(text: string, source = 'policy'): Policy {
  let raw: unknown;
  if (source.endsWith('.json')) {
    try {
      raw = parseJson(text, { source, maxBytes: MAX_POLICY_BYTES });
    } catch (e) {
      throw new VerdictError('BAD_CONFIG', (e as Error).message, { cause: e, details: { source } });
    }
  } else {
    try {
      raw = parseYaml(text, { maxAliasCount: 100 });
    } catch (e) {
      throw new VerdictError('BAD_CONFIG', `${source}: not valid YAML (${(e as Error).message.split('\n')[0]})`, {
        cause: e,
        details: { source },
      });
    }
  }
  return parsePolicy(raw, source);
}

export function loadPolicyFile(path: string): Policy {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new VerdictError('BAD_CONFIG', `${path}: cannot read policy file (${(e as NodeJS.ErrnoException).code ?? e})`, { cause: e });
  }
  if (Buffer.byteLength(text) > MAX_POLICY_BYTES) throw new VerdictError('BAD_CONFIG', `${path}: policy file larger than 1 MiB`);
  return parsePolicyText(text, path);
}

/** Identifies the exact policy a decision was made under. */
export function policyHash(policy: Policy): Hex {
  return hashCanonical(policy as never);
}

/** Policies by job type; one per type. */
export class PolicySet {
  private readonly byType = new Map<string, Policy>();

  add(policy: Policy): this {
    if (this.byType.has(policy.jobType)) {
      throw new VerdictError('DUPLICATE', `two policies for job type "${policy.jobType}" (${this.byType.get(policy.jobType)!.id}, ${policy.id})`);
    }
    this.byType.set(policy.jobType, policy);
    return this;
  }

  forJobType(jobType: string): Policy {
    const p = this.byType.get(jobType);
    if (!p) throw new VerdictError('NOT_FOUND', `no policy for job type "${jobType}"`);
    return p;
  }

  has(jobType: string): boolean {
    return this.byType.has(jobType);
  }

  jobTypes(): string[] {
    return [...this.byType.keys()].sort();
  }

  /** Loads every *.json, *.yaml and *.yml file of a directory. */
  static fromDirectory(dir: string): PolicySet {
    const set = new PolicySet();
    for (const name of readdirSync(dir).sort()) {
      if (['.json', '.yaml', '.yml'].includes(extname(name))) set.add(loadPolicyFile(join(dir, name)));
    }
    return set;
  }
}
