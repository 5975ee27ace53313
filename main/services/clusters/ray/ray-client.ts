import { OrreryError } from '../../../../app/contract/errors';

/**
 * A client of Ray's Jobs REST API (the dashboard, port 8265 by default), as documented at
 * docs.ray.io …/job-submission/api.html: /api/version, /api/jobs/ (submit, list), /api/jobs/{id} (details, delete),
 * /api/jobs/{id}/logs, /api/jobs/{id}/stop, and /api/packages/{protocol}/{name} for working_dir uploads.
 */
export interface RayClientOptions {
  /** http(s)://host:port without a trailing slash. */
  readonly address: string;
  /** Sent as `Authorization: Bearer …` when the cluster has token authentication. */
  readonly token: string | null;
  /** Per request; uploads get four times as long. */
  readonly timeoutMs?: number;
}

/** Ray's job states. */
export type RayJobStatus = 'PENDING' | 'RUNNING' | 'STOPPED' | 'SUCCEEDED' | 'FAILED';

/** The fields of Ray's JobDetails that Orrery reads. */
export interface RayJobDetails {
  readonly submission_id: string | null;
  readonly status: RayJobStatus;
  readonly message: string | null;
  readonly error_type?: string | null;
  readonly start_time: number | null;
  readonly end_time: number | null;
  readonly driver_exit_code?: number | null;
  readonly metadata: Record<string, string> | null;
  readonly entrypoint: string;
}

/** The body of POST /api/jobs/ (fields left undefined are not sent). */
export interface RaySubmitRequest {
  readonly entrypoint: string;
  readonly submission_id: string;
  readonly runtime_env: { readonly working_dir?: string; readonly env_vars?: Readonly<Record<string, string>> };
  readonly metadata: Readonly<Record<string, string>>;
  readonly entrypoint_num_cpus?: number;
  readonly entrypoint_num_gpus?: number;
  readonly entrypoint_memory?: number;
  readonly entrypoint_resources?: Readonly<Record<string, number>>;
}

const defaultTimeoutMs = 15_000;

/** One Ray cluster's Jobs API. Every failure is an OrreryError that names the address and what to check. */
export class RayJobsClient {
  constructor(private readonly options: RayClientOptions) {}

  get address(): string {
    return this.options.address;
  }

  /** GET /api/version: the Jobs API version and Ray's. */
  async version(): Promise<{ version: string; rayVersion: string | null }> {
    const body = (await this.json('GET', '/api/version')) as { version?: unknown; ray_version?: unknown };
    if (typeof body.version !== 'string') throw this.protocolError('/api/version', 'no "version" field');
    return { version: body.version, rayVersion: typeof body.ray_version === 'string' ? body.ray_version : null };
  }

  /** GET /api/packages/gcs/{name}: whether a working_dir package with this content is already on the cluster. */
  async packageExists(uri: string): Promise<boolean> {
    const response = await this.request('GET', packagePath(uri));
    if (response.status === 404) return false;
    await this.check(response, packagePath(uri));
    return true;
  }

  /** PUT /api/packages/gcs/{name} with the zip as the body. */
  async uploadPackage(uri: string, zip: Buffer): Promise<void> {
    // A copy over a plain ArrayBuffer: fetch's body types (in the DOM lib too) take no Buffer over a shared pool.
    const response = await this.request('PUT', packagePath(uri), { body: new Uint8Array(zip), type: 'application/octet-stream', timeoutMs: 4 * this.timeoutMs() });
    await this.check(response, packagePath(uri));
  }

  /** POST /api/jobs/ (the trailing slash is part of the path); answers the submission id. */
  async submit(request: RaySubmitRequest): Promise<string> {
    const body = (await this.json('POST', '/api/jobs/', request)) as { submission_id?: unknown; job_id?: unknown };
    const id = typeof body.submission_id === 'string' ? body.submission_id : typeof body.job_id === 'string' ? body.job_id : null;
    if (!id) throw this.protocolError('/api/jobs/', 'no submission_id in the answer');
    return id;
  }

  /** GET /api/jobs/{id}; null when the cluster does not know the job (deleted, or the cluster was restarted). */
  async job(id: string): Promise<RayJobDetails | null> {
    const response = await this.request('GET', `/api/jobs/${encodeURIComponent(id)}`);
    if (response.status === 404) return null;
    await this.check(response, '/api/jobs/{id}');
    return (await response.json()) as RayJobDetails;
  }

  /** GET /api/jobs/: every job the cluster knows. Ray answers a list of JobDetails (older Rays: a map by id). */
  async jobs(): Promise<RayJobDetails[]> {
    const body = await this.json('GET', '/api/jobs/');
    if (Array.isArray(body)) return body as RayJobDetails[];
    return Object.entries(body as Record<string, RayJobDetails>).map(([id, details]) => ({ ...details, submission_id: details.submission_id ?? id }));
  }

  /** GET /api/jobs/{id}/logs: the whole driver log so far (stdout and stderr together). */
  async logs(id: string): Promise<string> {
    const body = (await this.json('GET', `/api/jobs/${encodeURIComponent(id)}/logs`)) as { logs?: unknown };
    return typeof body.logs === 'string' ? body.logs : '';
  }

  /** POST /api/jobs/{id}/stop: true when Ray stopped it, false when it had already ended. */
  async stop(id: string): Promise<boolean> {
    const body = (await this.json('POST', `/api/jobs/${encodeURIComponent(id)}/stop`)) as { stopped?: unknown };
    return body.stopped === true;
  }

  /** DELETE /api/jobs/{id}: forgets an ended job and its logs on the cluster. */
  async delete(id: string): Promise<boolean> {
    const body = (await this.json('DELETE', `/api/jobs/${encodeURIComponent(id)}`)) as { deleted?: unknown };
    return body.deleted === true;
  }

  private timeoutMs(): number {
    return this.options.timeoutMs ?? defaultTimeoutMs;
  }

  private async json(method: string, route: string, body?: unknown): Promise<unknown> {
    const response = await this.request(method, route, body === undefined ? {} : { body: JSON.stringify(body), type: 'application/json' });
    await this.check(response, route);
    try {
      return (await response.json()) as unknown;
    } catch (error) {
      throw this.protocolError(route, `the answer is not JSON (${(error as Error).message})`);
    }
  }

  private async request(method: string, route: string, init: { body?: string | Uint8Array<ArrayBuffer>; type?: string; timeoutMs?: number } = {}): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (init.type) headers['content-type'] = init.type;
    if (this.options.token) headers.authorization = `Bearer ${this.options.token}`;
    try {
      return await fetch(`${this.options.address}${route}`, {
        method,
        headers,
        ...(init.body === undefined ? {} : { body: init.body }),
        signal: AbortSignal.timeout(init.timeoutMs ?? this.timeoutMs()),
      });
    } catch (error) {
      throw this.unreachable(error);
    }
  }

  /** Turns an HTTP error into an OrreryError carrying Ray's own words. */
  private async check(response: Response, route: string): Promise<void> {
    if (response.ok) return;
    const text = (await response.text().catch(() => '')).trim().slice(0, 1000);
    const said = text ? `: ${text}` : '';
    if (response.status === 401 || response.status === 403) {
      throw new OrreryError('unauthorized', `The Ray cluster at ${this.address} refused the request (${response.status})${said}; check the profile's token.`);
    }
    if (response.status === 404) throw new OrreryError('not_found', `The Ray cluster at ${this.address} has no ${route}${said}.`);
    if (response.status >= 400 && response.status < 500) {
      throw new OrreryError('invalid_input', `The Ray cluster at ${this.address} rejected ${route} (${response.status})${said}.`);
    }
    throw new OrreryError('unavailable', `The Ray cluster at ${this.address} failed on ${route} (${response.status})${said}; try again, or look at the head node's dashboard log.`);
  }

  private unreachable(error: unknown): OrreryError {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const name = (error as Error).name;
    const why = name === 'TimeoutError' || name === 'AbortError' ? 'no answer in time' : (cause?.code ?? cause?.message ?? (error as Error).message);
    return new OrreryError(
      'unavailable',
      `Cannot reach the Ray Jobs API at ${this.address} (${why}); check the address and port (the dashboard, 8265 by default) and that the Ray head node is running.`,
      { cause: error },
    );
  }

  private protocolError(route: string, what: string): OrreryError {
    return new OrreryError('unavailable', `${this.address}${route} does not answer like Ray's Jobs API (${what}); is this the Ray dashboard's address?`);
  }
}

/** `gcs://_ray_pkg_<hash>.zip` → `/api/packages/gcs/_ray_pkg_<hash>.zip`. */
function packagePath(uri: string): string {
  const match = /^([a-z0-9]+):\/\/(.+)$/.exec(uri);
  if (!match) throw new OrreryError('internal', `Not a Ray package URI: ${uri}`);
  return `/api/packages/${match[1]}/${encodeURIComponent(match[2] ?? '')}`;
}
