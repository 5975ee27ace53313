import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { isOrreryError } from '../../../../../app/contract/errors';
import { defaultLocalServerPorts, discoverLocalServers, parsePortList } from '../../../../../main/services/prompts/discovery';

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

/** Real HTTP servers on free local ports, answering as the local LLM servers do. */
const servers: Server[] = [];

async function serve(handler: Handler): Promise<number> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** A port where nothing listens (a server is started to get a free port, then closed). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const json = (response: ServerResponse, body: unknown, status = 200) => {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
};

/** Ollama: GET /api/tags → {models: [{name, model, size, ...}]}. */
const ollama: Handler = (request, response) => {
  if (request.url === '/api/tags') json(response, { models: [{ name: 'llama3.2:3b', model: 'llama3.2:3b', size: 2019393189 }, { name: 'qwen2.5:7b', model: 'qwen2.5:7b', size: 4683087332 }] });
  else json(response, { error: 'not found' }, 404);
};

/** An OpenAI-compatible /v1/models as vLLM, llama.cpp and LM Studio answer it. */
const openAiModels =
  (ids: readonly string[], ownedBy: string): Handler =>
  (request, response) => {
    if (request.url === '/v1/models') json(response, { object: 'list', data: ids.map((id) => ({ id, object: 'model', created: 1_700_000_000, owned_by: ownedBy })) });
    else json(response, { error: 'not found' }, 404);
  };

afterEach(async () => {
  await Promise.all(
    servers.splice(0).map(
      (server) =>
        new Promise((resolve) => {
          server.closeAllConnections();
          server.close(resolve);
        }),
    ),
  );
});

describe('discoverLocalServers', () => {
  it('finds Ollama through /api/tags and OpenAI-compatible servers through /v1/models, with their models', async () => {
    const ollamaPort = await serve(ollama);
    const lmPort = await serve(openAiModels(['qwen2.5-7b-instruct', 'text-embedding-nomic-embed-text-v1.5'], 'organization_owner'));
    const vllmPort = await serve(openAiModels(['meta-llama/Llama-3.1-8B-Instruct'], 'vllm'));
    const llamaPort = await serve(openAiModels(['gemma-3-4b-it-Q4_K_M.gguf'], 'llamacpp'));
    const otherPort = await serve(openAiModels(['some-model'], 'someone'));
    const found = await discoverLocalServers({
      ports: [
        { port: ollamaPort, server: 'ollama' },
        { port: lmPort, server: 'lmstudio' },
        { port: vllmPort, server: 'openai-compatible' },
        { port: llamaPort, server: 'openai-compatible' },
        { port: otherPort, server: 'openai-compatible' },
      ],
    });
    expect(found).toEqual([
      { server: 'ollama', name: `Ollama on 127.0.0.1:${ollamaPort}`, baseUrl: `http://127.0.0.1:${ollamaPort}/v1`, models: ['llama3.2:3b', 'qwen2.5:7b'] },
      {
        server: 'lmstudio',
        name: `LM Studio on 127.0.0.1:${lmPort}`,
        baseUrl: `http://127.0.0.1:${lmPort}/v1`,
        models: ['qwen2.5-7b-instruct', 'text-embedding-nomic-embed-text-v1.5'],
      },
      { server: 'openai-compatible', name: `vLLM on 127.0.0.1:${vllmPort}`, baseUrl: `http://127.0.0.1:${vllmPort}/v1`, models: ['meta-llama/Llama-3.1-8B-Instruct'] },
      { server: 'openai-compatible', name: `llama.cpp server on 127.0.0.1:${llamaPort}`, baseUrl: `http://127.0.0.1:${llamaPort}/v1`, models: ['gemma-3-4b-it-Q4_K_M.gguf'] },
      { server: 'openai-compatible', name: `OpenAI-compatible server on 127.0.0.1:${otherPort}`, baseUrl: `http://127.0.0.1:${otherPort}/v1`, models: ['some-model'] },
    ]);
  });

  it('leaves out closed ports, other programs, error answers, bodies that are not model lists, and servers too slow to answer', async () => {
    const closed = await closedPort();
    const webPage = await serve((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/html' });
      response.end('<html>a dev server</html>');
    });
    const failing = await serve((_request, response) => json(response, { error: 'boom' }, 500));
    const wrongShape = await serve((_request, response) => json(response, { hello: 'world' }));
    let slowRequests = 0;
    const slow = await serve((request) => {
      slowRequests += 1;
      // Never answers: the probe's time limit must end it.
      void request;
    });
    const ollamaPort = await serve(ollama);
    const found = await discoverLocalServers({
      timeoutMs: 300,
      ports: [
        { port: closed, server: 'openai-compatible' },
        { port: webPage, server: 'openai-compatible' },
        { port: failing, server: 'lmstudio' },
        { port: wrongShape, server: 'ollama' },
        { port: slow, server: 'openai-compatible' },
        { port: ollamaPort, server: 'ollama' },
      ],
    });
    expect(found.map((server) => server.name)).toEqual([`Ollama on 127.0.0.1:${ollamaPort}`]);
    expect(slowRequests).toBe(1);
  });

  it('probes every port at once: the last port is asked while the ones before it still wait for an answer', async () => {
    let waiting = 0;
    let given = 0;
    const hanging = await Promise.all(
      [0, 1, 2, 3].map(() =>
        serve((request) => {
          waiting += 1;
          // Never answers; the probe's time limit (or the end of the test) closes the request.
          request.socket.once('close', () => (given += 1));
        }),
      ),
    );
    let givenUpWhenAsked = -1;
    const ollamaPort = await serve((request, response) => {
      givenUpWhenAsked = given;
      ollama(request, response);
    });
    const found = await discoverLocalServers({
      timeoutMs: 2_000,
      ports: [...hanging.map((port) => ({ port, server: 'openai-compatible' as const })), { port: ollamaPort, server: 'ollama' }],
    });
    expect(found.map((server) => server.server)).toEqual(['ollama']);
    expect(waiting).toBe(4);
    // One port after another, the four probes before it would have given up before Ollama was asked.
    expect(givenUpWhenAsked).toBe(0);
  });

  it('reads the ports from ORRERY_LLM_PORTS when none are given', async () => {
    const ollamaPort = await serve(ollama);
    const compatible = await serve(openAiModels(['m1'], 'koboldcpp'));
    const env = { ORRERY_LLM_PORTS: `${ollamaPort}:ollama, ${compatible}:openai-compatible` };
    const found = await discoverLocalServers({ env });
    expect(found.map((server) => [server.server, server.name])).toEqual([
      ['ollama', `Ollama on 127.0.0.1:${ollamaPort}`],
      ['openai-compatible', `KoboldCpp on 127.0.0.1:${compatible}`],
    ]);
  });
});

describe('parsePortList', () => {
  it('parses port:kind pairs, and is undefined when unset', () => {
    expect(parsePortList('11434:ollama,1234:lmstudio,5001:openai-compatible')).toEqual([
      { port: 11434, server: 'ollama' },
      { port: 1234, server: 'lmstudio' },
      { port: 5001, server: 'openai-compatible' },
    ]);
    expect(parsePortList(undefined)).toBeUndefined();
    expect(parsePortList(' ')).toBeUndefined();
  });

  it('refuses a malformed entry, showing the form to write', () => {
    for (const bad of ['11434', '11434:llamafile', '70000:ollama', 'ollama:11434']) {
      let error: unknown;
      try {
        parsePortList(bad);
      } catch (caught) {
        error = caught;
      }
      expect(isOrreryError(error) && error.code).toBe('invalid_input');
      expect((error as Error).message).toContain('11434:ollama,1234:lmstudio');
    }
  });

  it('has the usual ports by default: Ollama 11434, LM Studio 1234, vLLM 8000, llama.cpp 8080', () => {
    expect(defaultLocalServerPorts.slice(0, 4)).toEqual([
      { port: 11434, server: 'ollama' },
      { port: 1234, server: 'lmstudio' },
      { port: 8000, server: 'openai-compatible' },
      { port: 8080, server: 'openai-compatible' },
    ]);
  });
});
