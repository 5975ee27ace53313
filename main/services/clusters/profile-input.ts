import path from 'node:path';
import type { z } from 'zod';
import { OrreryError } from '../../../app/contract/errors';
import type { clusterAddInput, ClusterProfileView, clusterUpdateInput } from '../../../app/contract/clusters';
import type { ClusterConfig, ProfileWrite } from './profile-store';

type AddInput = z.output<typeof clusterAddInput>;
type UpdateInput = z.output<typeof clusterUpdateInput>;

/** The checked profile for `cluster.add`. */
export function profileFromAdd(input: AddInput): ProfileWrite {
  return checkProfile(input.name, input.kind, configOf(input, null), input.secret);
}

/** The checked profile for `cluster.update`: given fields replace the stored ones, the rest stay. */
export function profileFromUpdate(existing: ClusterProfileView, input: UpdateInput): ProfileWrite {
  const kind = input.kind ?? existing.kind;
  const secret = input.clearSecret ? null : input.secret;
  return { ...checkProfile(input.name ?? existing.name, kind, configOf(input, existing), secret), id: existing.id };
}

/** Merges the fields given over the stored ones (or the empty profile). */
function configOf(input: Partial<AddInput>, existing: ClusterProfileView | null): ClusterConfig {
  return {
    transport: input.transport ?? existing?.transport ?? null,
    host: input.host ?? existing?.host ?? null,
    port: input.port ?? existing?.port ?? null,
    user: input.user ?? existing?.user ?? null,
    keyPath: input.keyPath ?? existing?.keyPath ?? null,
    knownHostsPath: input.knownHostsPath ?? existing?.knownHostsPath ?? null,
    address: input.address ?? existing?.address ?? null,
    partition: input.partition ?? existing?.partition ?? null,
    remoteDir: input.remoteDir ?? existing?.remoteDir ?? null,
    defaults: input.defaults ?? existing?.defaults ?? {},
  };
}

/** Checks what each kind needs and fills the defaults (Slurm: local transport, SSH port 22); says what is missing. */
function checkProfile(rawName: string, kind: 'slurm' | 'ray', config: ClusterConfig, secret: string | null | undefined): ProfileWrite {
  const name = rawName.trim();
  if (!/^[A-Za-z0-9][A-Za-z0-9 ._-]{0,99}$/.test(name)) {
    throw new OrreryError('invalid_input', `A cluster name is letters, digits, spaces, ".", "_" and "-" (starting with a letter or digit), such as "lab-slurm"; got "${rawName}".`);
  }
  const checked = kind === 'ray' ? checkRay(config) : checkSlurm(config);
  return { name, kind, config: checked, ...(secret === undefined ? {} : { secret }) };
}

function checkSlurm(config: ClusterConfig): ClusterConfig {
  const transport = config.transport ?? (config.host ? 'ssh' : 'local');
  if (config.address) throw new OrreryError('invalid_input', 'A Slurm profile has no address (that is for Ray); give --host, --user and --key for a login node, or nothing to use this machine.');
  if (transport === 'local') return { ...config, transport, host: null, port: null, user: null, keyPath: null, knownHostsPath: null };
  const missing = [!config.host && 'host', !config.user && 'user', !config.keyPath && 'key (the private key file)'].filter(Boolean);
  if (missing.length > 0) {
    throw new OrreryError('invalid_input', `A Slurm profile over SSH needs ${missing.join(', ')}; for example --host login.lab.org --user alice --key ~/.ssh/id_ed25519.`);
  }
  for (const [label, file] of [['key', config.keyPath], ['known_hosts', config.knownHostsPath]] as const) {
    if (file && !path.isAbsolute(file)) throw new OrreryError('invalid_input', `The ${label} file must be an absolute path; got ${file}.`);
  }
  return { ...config, transport, port: config.port ?? 22 };
}

function checkRay(config: ClusterConfig): ClusterConfig {
  if (!config.address) throw new OrreryError('invalid_input', 'A Ray profile needs the address of its Jobs API (the dashboard), such as --address http://head-node:8265.');
  if (config.transport === 'ssh' || config.host || config.keyPath) {
    throw new OrreryError('invalid_input', 'A Ray profile is reached over HTTP at its address alone; leave out transport, host and key (or forward the port yourself).');
  }
  return { ...config, transport: null, address: normalizeRayAddress(config.address) };
}

/** An http(s) URL without a trailing slash; `host:port` alone gets http://, as Ray's own client does. */
export function normalizeRayAddress(value: string): string {
  const text = value.trim();
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new OrreryError('invalid_input', `The Ray address "${value}" is not a URL; write one such as http://127.0.0.1:8265.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new OrreryError('invalid_input', `The Ray address is http:// or https:// (got ${url.protocol}); the Jobs API is the dashboard's port, 8265 by default.`);
  }
  return url.toString().replace(/\/+$/, '');
}
