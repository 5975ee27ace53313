// Runs the fake model server by hand (or for a browser test started outside Playwright) and prints its URL.
// Node cannot run TypeScript here, so bundle it first, as the benchmarks are:
//   npx esbuild tests/llm-server/main.ts --bundle --platform=node --outfile=out/llm-server.cjs --log-level=warning
//   node out/llm-server.cjs [--port 8089] [--key KEY] [--chunk-delay-ms 20] [--first-token-delay-ms 500] [--tokens-per-chunk 1]
// Tests import `startLlmServer` from ./server instead.
import { startLlmServer, type LlmServerOptions } from './server';

function argument(name: string): string | undefined {
  const at = process.argv.indexOf(`--${name}`);
  return at === -1 ? undefined : process.argv[at + 1];
}

function numberArgument(name: string): number | undefined {
  const value = argument(name);
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < 0) {
    console.error(`--${name} takes a number of 0 or more, not "${value}"`);
    process.exit(2);
  }
  return parsed;
}

async function main(): Promise<void> {
  const options: LlmServerOptions = {
    ...(argument('key') !== undefined ? { key: argument('key') } : {}),
    ...(numberArgument('port') !== undefined ? { port: numberArgument('port') } : {}),
    ...(numberArgument('chunk-delay-ms') !== undefined ? { chunkDelayMs: numberArgument('chunk-delay-ms') } : {}),
    ...(numberArgument('first-token-delay-ms') !== undefined ? { firstTokenDelayMs: numberArgument('first-token-delay-ms') } : {}),
    ...(numberArgument('tokens-per-chunk') !== undefined ? { tokensPerChunk: numberArgument('tokens-per-chunk') } : {}),
  };
  const server = await startLlmServer(options);
  console.log(server.url);
  console.log(`OpenAI-compatible base URL ${server.url}/v1 · Anthropic ${server.url} · Gemini ${server.url}/v1beta · Ollama tags ${server.url}/api/tags`);
  const stop = (): void => void server.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

void main();
