import { OrreryError } from '../../../app/contract/errors';
import { discoveredServerSchema, type DiscoveredServer } from '../../../app/contract/prompts';

export type LocalServerKind = DiscoveredServer['server'];

/** A port to probe and what is expected there. */
export interface LocalServerPort {
  readonly port: number;
  readonly server: LocalServerKind;
}

/**
 * The usual ports of local LLM servers. Ollama answers `/api/tags` (its own API) on 11434; the rest answer the
 * OpenAI `/v1/models`: LM Studio (1234), vLLM (8000), llama.cpp's llama-server and LocalAI (both 8080), Jan
 * (1337), text-generation-webui's OpenAI extension (5000), KoboldCpp (5001) and GPT4All's API server (4891).
 */
export const defaultLocalServerPorts: readonly LocalServerPort[] = [
  { port: 11434, server: 'ollama' },
  { port: 1234, server: 'lmstudio' },
  { port: 8000, server: 'openai-compatible' },
  { port: 8080, server: 'openai-compatible' },
  { port: 1337, server: 'openai-compatible' },
  { port: 5000, server: 'openai-compatible' },
  { port: 5001, server: 'openai-compatible' },
  { port: 4891, server: 'openai-compatible' },
];

/** Default time one probe may take: a local server answers a model list in a few ms, a closed port refuses at once. */
export const defaultDiscoveryTimeoutMs = 400;

/** Model lists larger than this are not read (a local model list is a few KB). */
const maxListBytes = 4 * 1024 * 1024;

/** `owned_by` values that name the server behind an OpenAI-compatible `/v1/models`. */
const ownerNames: Readonly<Record<string, string>> = {
  vllm: 'vLLM',
  llamacpp: 'llama.cpp server',
  koboldcpp: 'KoboldCpp',
  localai: 'LocalAI',
  jan: 'Jan',
};

/**
 * Local LLM servers answering on their usual ports, with their models (providerId filled in by the service). All
 * ports are probed at once, each for at most `timeoutMs`; a port where nothing answers, or something that is not
 * an LLM server answers, is left out. Ports: `options.ports`, else `ORRERY_LLM_PORTS` (`11434:ollama,1234:lmstudio,
 * 5001:openai-compatible`), else the usual ones.
 */
export async function discoverLocalServers(options?: {
  host?: string;
  ports?: readonly { port: number; server: LocalServerKind }[];
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}): Promise<Omit<DiscoveredServer, 'providerId'>[]> {
  const host = options?.host ?? '127.0.0.1';
  const timeoutMs = options?.timeoutMs ?? defaultDiscoveryTimeoutMs;
  const ports = uniquePorts(options?.ports ?? parsePortList(options?.env?.ORRERY_LLM_PORTS) ?? defaultLocalServerPorts);
  const found = await Promise.all(ports.map((entry) => probe(host, entry, timeoutMs).catch(() => null)));
  return found.filter((server) => server !== null);
}

/** Reads `ORRERY_LLM_PORTS` (`port:kind,port:kind`); undefined when unset or empty. */
export function parsePortList(value: string | undefined): LocalServerPort[] | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const kinds = discoveredServerSchema.shape.server.options;
  return value.split(',').map((entry) => {
    const match = /^\s*(\d{1,5})\s*:\s*([a-z-]+)\s*$/.exec(entry);
    const port = match ? Number(match[1]) : NaN;
    const server = kinds.find((kind) => kind === match?.[2]);
    if (!server || !(port >= 1 && port <= 65535)) {
      throw new OrreryError(
        'invalid_input',
        `ORRERY_LLM_PORTS has "${entry.trim()}"; write port:kind pairs separated by commas, such as 11434:ollama,1234:lmstudio,8000:openai-compatible (kinds: ${kinds.join(', ')}).`,
      );
    }
    return { port, server };
  });
}

function uniquePorts(ports: readonly LocalServerPort[]): LocalServerPort[] {
  const seen = new Set<number>();
  return ports.filter((entry) => !seen.has(entry.port) && seen.add(entry.port));
}

/** One port: the server's model list, or null when no LLM server answers there. */
async function probe(host: string, entry: LocalServerPort, timeoutMs: number): Promise<Omit<DiscoveredServer, 'providerId'> | null> {
  const origin = `http://${host.includes(':') ? `[${host}]` : host}:${entry.port}`;
  const where = `${host}:${entry.port}`;
  const signal = AbortSignal.timeout(timeoutMs);
  if (entry.server === 'ollama') {
    const body = await getJson(`${origin}/api/tags`, signal);
    const models = namesOf(body, 'models', 'name');
    if (!models) return null;
    // Ollama speaks the OpenAI chat completions API under /v1, which the openai provider kind uses.
    return { server: 'ollama', name: `Ollama on ${where}`, baseUrl: `${origin}/v1`, models };
  }
  const body = await getJson(`${origin}/v1/models`, signal);
  const models = namesOf(body, 'data', 'id');
  if (!models) return null;
  const label = entry.server === 'lmstudio' ? 'LM Studio' : (serverNameOf(body) ?? 'OpenAI-compatible server');
  return { server: entry.server, name: `${label} on ${where}`, baseUrl: `${origin}/v1`, models };
}

/** The JSON body of a 200 answer, or null for anything else (another program on the port, an error page). */
async function getJson(url: string, signal: AbortSignal): Promise<unknown> {
  const response = await fetch(url, { signal, headers: { accept: 'application/json' }, redirect: 'error' });
  if (!response.ok || !response.body) {
    await response.body?.cancel();
    return null;
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxListBytes) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    return null;
  }
}

/** `body[list][].field` as strings, or null when the body does not have that shape. */
function namesOf(body: unknown, list: string, field: string): string[] | null {
  if (typeof body !== 'object' || body === null) return null;
  const items = (body as Record<string, unknown>)[list];
  if (!Array.isArray(items)) return null;
  const names: string[] = [];
  for (const item of items) {
    const name = typeof item === 'object' && item !== null ? (item as Record<string, unknown>)[field] : undefined;
    if (typeof name === 'string' && name.length > 0) names.push(name);
  }
  return names;
}

/** The server's name from the models' `owned_by` (vLLM says vllm, llama.cpp llamacpp, …), when it is one we know. */
function serverNameOf(body: unknown): string | null {
  const data = (body as { data?: unknown }).data;
  if (!Array.isArray(data)) return null;
  for (const item of data) {
    const owner = typeof item === 'object' && item !== null ? (item as Record<string, unknown>).owned_by : undefined;
    if (typeof owner === 'string' && ownerNames[owner.toLowerCase()]) return ownerNames[owner.toLowerCase()] ?? null;
  }
  return null;
}
